import { scopedTracer } from '../../internal/scoped-tracer.js';
import { SCOPE_NAME } from './constants.js';

/** The tracer for http spans, from whatever provider is global now. @internal */
export const httpTracer = scopedTracer(SCOPE_NAME);
