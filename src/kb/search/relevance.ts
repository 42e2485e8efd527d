/** Which half of a labelled set a query is in: tuned on, or scored only at the end. */
export type LabelledSplit = 'tuning' | 'held-out';

/** A labelled query: what a visitor typed and the articles (slugs) that answer it. */
export interface LabelledQuery {
  query: string;
  lang: string;
  /** natural, keyword, typo, synonym, morphology (or the sample KB's question, prefix, misspelling…) — for per-kind figures. */
  kind?: string;
  /** Half of the set; sets without halves leave it out. */
  split?: LabelledSplit;
  /** Answering articles: a list (all equally good), or slug → grade (3 answers it, 2 largely, 1 in part). */
  relevant: string[] | Record<string, number>;
}

export interface QueryOutcome {
  query: string;
  kind: string | undefined;
  split: LabelledSplit | undefined;
  /** 1-based rank of the first relevant result in the top 10, or undefined. */
  firstRelevantRank: number | undefined;
  recallAt5: number;
  /** nDCG@10 with the grades as gains (2^grade − 1). */
  ndcgAt10: number;
}

export interface RelevanceFigures {
  queries: number;
  mrrAt10: number;
  recallAt5: number;
  ndcgAt10: number;
}

export interface RelevanceReport extends RelevanceFigures {
  outcomes: QueryOutcome[];
}

/** Slug → grade of a labelled query; a plain list grades every article 1. */
export function gradesOf(query: Pick<LabelledQuery, 'relevant'>): Map<string, number> {
  const { relevant } = query;
  return new Map(Array.isArray(relevant) ? relevant.map((slug) => [slug, 1]) : Object.entries(relevant));
}

const mean = (values: readonly number[]): number => (values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length);

/** Averages outcomes into MRR@10, recall@5 and nDCG@10. */
export function summarizeOutcomes(outcomes: readonly QueryOutcome[]): RelevanceFigures {
  return {
    queries: outcomes.length,
    mrrAt10: mean(outcomes.map((o) => (o.firstRelevantRank ? 1 / o.firstRelevantRank : 0))),
    recallAt5: mean(outcomes.map((o) => o.recallAt5)),
    ndcgAt10: mean(outcomes.map((o) => o.ndcgAt10)),
  };
}

/**
 * Scores a ranking function on labelled queries: MRR@10 (mean of 1/rank of the first relevant result
 * in the top 10, 0 when none), recall@5 (share of the relevant articles found in the top 5) and
 * nDCG@10 over the grades.
 */
export function evaluateRelevance(queries: readonly LabelledQuery[], rank: (query: LabelledQuery) => readonly string[]): RelevanceReport {
  const outcomes = queries.map((q): QueryOutcome => {
    const grades = gradesOf(q);
    const top = rank(q).slice(0, 10);
    const index = top.findIndex((slug) => grades.has(slug));
    const found = new Set(top.slice(0, 5).filter((slug) => grades.has(slug)));
    const gain = (grade: number, i: number): number => (2 ** grade - 1) / Math.log2(i + 2);
    const seen = new Set<string>();
    const dcg = top.reduce((sum, slug, i) => {
      if (seen.has(slug)) return sum;
      seen.add(slug);
      return sum + gain(grades.get(slug) ?? 0, i);
    }, 0);
    const ideal = [...grades.values()]
      .sort((a, b) => b - a)
      .slice(0, 10)
      .reduce((sum, grade, i) => sum + gain(grade, i), 0);
    return {
      query: q.query,
      kind: q.kind,
      split: q.split,
      firstRelevantRank: index === -1 ? undefined : index + 1,
      recallAt5: found.size / grades.size,
      ndcgAt10: ideal === 0 ? 0 : dcg / ideal,
    };
  });
  return { ...summarizeOutcomes(outcomes), outcomes };
}

/** Figures per group of outcomes (e.g. per kind, per half), in first-seen order. */
export function groupOutcomes(outcomes: readonly QueryOutcome[], keyOf: (outcome: QueryOutcome) => string | undefined): Map<string, RelevanceFigures> {
  const groups = new Map<string, QueryOutcome[]>();
  for (const outcome of outcomes) {
    const key = keyOf(outcome);
    if (key === undefined) continue;
    const list = groups.get(key) ?? [];
    list.push(outcome);
    groups.set(key, list);
  }
  return new Map([...groups].map(([key, list]) => [key, summarizeOutcomes(list)]));
}

/** Slug of an article URL `/articles/<slug>/`. */
export function urlToSlug(url: string): string {
  return decodeURIComponent(url.split('/').filter(Boolean).at(-1) ?? '');
}
