import { scopedTracer } from '../../internal/scoped-tracer.js';

/** The instrumentation scope of every queue span. */
export const SCOPE_NAME = 'tracelight/queue';

/** The tracer for queue spans, from whatever provider is global now. @internal */
export const queueTracer = scopedTracer(SCOPE_NAME);
