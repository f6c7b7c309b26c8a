// Preloaded with NODE_OPTIONS=--require: when the process exits, it writes which OpenTelemetry
// packages it had loaded to $LOADED_MODULES_DIR/<pid>.json (a test's proof of "no SDK when off").
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');

process.on('exit', () => {
  const packages = Object.keys(require.cache)
    .map((path) => /node_modules\/(@opentelemetry\/[^/]+|@fastify\/otel)\//.exec(path)?.[1])
    .filter(Boolean);
  writeFileSync(join(process.env.LOADED_MODULES_DIR, `${process.pid}.json`), JSON.stringify([...new Set(packages)].sort()));
});
