import type { APIRoute } from 'astro';
import { parseStatsRange } from '../../staff/stats-range.ts';
import { statisticsToCsv } from '../../staff/stats.ts';

export const prerender = false;

/** The statistics page's figures as CSV (the middleware has checked the staff session). */
export const GET: APIRoute = async ({ locals, url }) => {
  const range = parseStatsRange(url.searchParams);
  const stats = await locals.services!.workspace.statistics(range);
  return new Response(statisticsToCsv(stats), {
    headers: { 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': `attachment; filename="helpdesk-stats-${range.from}-${range.to}.csv"` },
  });
};
