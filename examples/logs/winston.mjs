// Log correlation with winston: a format adds logFields() (trace_id, span_id, trace_flags of
// the active span) to each entry before the transport writes it. Here the transport is a
// stream (stdout); a file or HTTP transport gets the same fields.
// Run: node examples/logs/winston.mjs
import winston from 'winston';
import { init, logFields, withSpan } from 'tracelight';

const tracing = init({ serviceName: 'winston-example', exporter: 'console' });

const traceFields = winston.format((info) => Object.assign(info, logFields()));
const logger = winston.createLogger({
  format: winston.format.combine(traceFields(), winston.format.json()),
  transports: [new winston.transports.Stream({ stream: process.stdout })],
});

logger.info('outside any span: no trace fields');
await withSpan('order.create', async () => {
  logger.info('order received', { orderId: 'o-1' });
  await withSpan('payment.charge', async () => logger.warn('card needs 3-D Secure', { orderId: 'o-1' }));
});

await tracing.shutdown();
