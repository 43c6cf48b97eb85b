// A small HTTP server with no dependencies: answers every request and logs one line per request.
'use strict';
const http = require('node:http');
const os = require('node:os');

const port = Number(process.env.PORT || 3000);
const greeting = process.env.GREETING || 'Hello from Node on DRaaS';

const server = http.createServer((req, res) => {
  const started = process.hrtime.bigint();
  res.on('finish', () => {
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    console.log(`${new Date().toISOString()} ${req.method} ${req.url} ${res.statusCode} ${ms.toFixed(1)}ms`);
  });
  if (req.url === '/healthz') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok\n');
    return;
  }
  // The container's hostname tells replicas apart.
  res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'x-served-by': os.hostname() });
  res.end(`${greeting}\n`);
});

server.listen(port, () => {
  console.log(`node-hello listening on port ${port} (node ${process.version})`);
});

// As PID 1 node gets no default signal handling: without this, `docker stop` waits out its grace period.
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    console.log(`${signal} received, closing`);
    server.close(() => process.exit(0));
    server.closeAllConnections();
    setTimeout(() => process.exit(0), 5000).unref();
  });
}
