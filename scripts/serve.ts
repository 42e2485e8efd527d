// Serves a build: `node scripts/serve.ts [dist]` on HOST/PORT (default 127.0.0.1:4321).
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createSiteServer, type AppHandler } from '../src/server/http-server.ts';

const dist = path.resolve(process.argv[2] ?? 'dist');
const host = process.env['HOST'] ?? '127.0.0.1';
const port = Number(process.env['PORT'] ?? '4321');
const { handler } = (await import(pathToFileURL(path.join(dist, 'server', 'entry.mjs')).href)) as { handler: AppHandler };
// Behind a TLS-terminating proxy set HTTPS=true so browsers are told to stay on HTTPS (HSTS).
const https = process.env['HTTPS'] === 'true';
const server = createSiteServer({ clientDir: path.join(dist, 'client'), app: handler, https });
server.listen(port, host, () => console.log(`site listening on http://${host}:${port}`));
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => server.close(() => process.exit(0)));
