// An Express server: one greeting route and a health route, a log line per request.
'use strict';
const express = require('express');
const os = require('node:os');

const port = Number(process.env.PORT || 3000);
const app = express();

app.use((req, res, next) => {
  res.on('finish', () => console.log(`${new Date().toISOString()} ${req.method} ${req.originalUrl} ${res.statusCode}`));
  next();
});
app.get('/healthz', (req, res) => res.type('text/plain').send('ok\n'));
app.get('/', (req, res) => {
  res.set('x-served-by', os.hostname()).type('text/plain').send('Hello from Express on DRaaS\n');
});

const server = app.listen(port, () => console.log(`node-express listening on port ${port}`));

// As PID 1 node gets no default signal handling: without this, `docker stop` waits out its grace period.
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
    setTimeout(() => process.exit(0), 5000).unref();
  });
}
