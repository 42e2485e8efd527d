/** A day range from the query string: `from`/`to` as YYYY-MM-DD, default the last 30 days, at most a year. */
export function parseStatsRange(params: URLSearchParams, now = Date.now()): { from: string; to: string } {
  const day = (t: number) => new Date(t).toISOString().slice(0, 10);
  const valid = (v: string | null) => (v && /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(v)) ? v : undefined);
  const to = valid(params.get('to')) ?? day(now);
  let from = valid(params.get('from')) ?? day(Date.parse(to) - 29 * 86_400_000);
  if (from > to) from = to;
  if (Date.parse(to) - Date.parse(from) > 366 * 86_400_000) from = day(Date.parse(to) - 366 * 86_400_000);
  return { from, to };
}
