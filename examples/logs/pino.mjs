// Log correlation with pino: `mixin: logFields` adds the active span's trace_id, span_id and
// trace_flags to every line, so a log search by trace id finds the request's logs, and a log
// line leads to its trace.
// Run: node examples/logs/pino.mjs
import pino from 'pino';
import { init, logFields, withSpan } from 'tracelight';

const tracing = init({ serviceName: 'pino-example', exporter: 'console' });
const logger = pino({ mixin: logFields });

logger.info('outside any span: no trace fields');
await withSpan('order.create', async () => {
  logger.info({ orderId: 'o-1' }, 'order received');
  await withSpan('payment.charge', async () => logger.warn({ orderId: 'o-1' }, 'card needs 3-D Secure'));
});

await tracing.shutdown();
