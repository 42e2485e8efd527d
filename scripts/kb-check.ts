// Validates every article: `npm run kb:check [-- --content <dir>] [--config <file>]`.
import { parseArgs } from 'node:util';
import { formatProblem } from '../src/kb/problems.ts';
import { ConfigError } from '../src/server/config.ts';
import { loadKnowledgebase } from '../src/server/knowledgebase.ts';
import { readSitePaths } from '../src/server/site-paths.ts';

const { values } = parseArgs({ options: { content: { type: 'string' }, config: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
if (values.help) {
  console.log('usage: npm run kb:check [-- --content <dir>] [--config <file>]   (validates every article; exits 1 on an error)');
  process.exit(0);
}
const defaults = readSitePaths();
const paths = { contentDir: values.content ?? defaults.contentDir, configFile: values.config ?? defaults.configFile };

try {
  const { problems, articles } = loadKnowledgebase(paths);
  const errors = problems.filter((p) => p.severity === 'error').length;
  const warnings = problems.length - errors;
  for (const problem of problems) console.log(formatProblem(problem));
  console.log(`${errors === 0 ? 'ok' : 'failed'}: ${articles.length} article(s) in ${paths.contentDir}, ${errors} error(s), ${warnings} warning(s)`);
  process.exitCode = errors > 0 ? 1 : 0;
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exitCode = 1;
}
