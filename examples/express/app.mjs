// Express only: the http and Express instrumentations name each SERVER span after its route
// (`GET /users/:id`, never the raw path) and record handler errors on it.
// Run: node examples/express/app.mjs
import express from 'express';
import { init, withSpan } from 'tracelight';

const tracing = init({ serviceName: 'users-api', exporter: 'console', instrumentations: { express: true } });

const app = express();
const users = express.Router();
users.get('/:id', async (req, res) => {
  const user = await withSpan('db.findUser', { attributes: { 'user.id': req.params.id } }, async () => ({ id: req.params.id, name: 'Ada' }));
  res.json(user);
});
users.post('/:id/avatar', () => {
  throw new Error('avatar storage is down'); // Express answers 500; the span records the error
});
app.use('/users', users);
// Your error handler answers as before; the span keeps the error and the 500.
app.use((err, req, res, next) => res.status(500).json({ error: err.message }));

const server = app.listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const base = `http://127.0.0.1:${server.address().port}`;

// The calls are traced too (CLIENT spans, with `traceparent` sent to the server).
for (const [method, path] of [['GET', '/users/42'], ['POST', '/users/42/avatar']]) {
  const response = await fetch(base + path, { method });
  console.log(method, path, '->', response.status);
}

server.close();
await tracing.shutdown();
