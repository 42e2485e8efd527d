/** A labelled query: what a visitor typed and the articles (slugs) that answer it. */
export interface LabelledQuery {
  query: string;
  lang: string;
  /** question, keyword, prefix, misspelling, synonym, german… — for per-kind figures. */
  kind?: string;
  relevant: string[];
}

export interface QueryOutcome {
  query: string;
  kind: string | undefined;
  /** 1-based rank of the first relevant result in the top 10, or undefined. */
  firstRelevantRank: number | undefined;
  recallAt5: number;
}

export interface RelevanceReport {
  mrrAt10: number;
  recallAt5: number;
  outcomes: QueryOutcome[];
}

/**
 * Scores a ranking function on labelled queries: MRR@10 (mean of 1/rank of the first relevant result
 * in the top 10, 0 when none) and recall@5 (share of the relevant articles found in the top 5).
 */
export function evaluateRelevance(queries: readonly LabelledQuery[], rank: (query: LabelledQuery) => readonly string[]): RelevanceReport {
  const outcomes = queries.map((q): QueryOutcome => {
    const ranked = rank(q);
    const index = ranked.slice(0, 10).findIndex((slug) => q.relevant.includes(slug));
    const found = new Set(ranked.slice(0, 5).filter((slug) => q.relevant.includes(slug)));
    return { query: q.query, kind: q.kind, firstRelevantRank: index === -1 ? undefined : index + 1, recallAt5: found.size / q.relevant.length };
  });
  const mean = (values: number[]): number => (values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length);
  return {
    mrrAt10: mean(outcomes.map((o) => (o.firstRelevantRank ? 1 / o.firstRelevantRank : 0))),
    recallAt5: mean(outcomes.map((o) => o.recallAt5)),
    outcomes,
  };
}

/** Slug of an article URL `/articles/<slug>/`. */
export function urlToSlug(url: string): string {
  return decodeURIComponent(url.split('/').filter(Boolean).at(-1) ?? '');
}
