// Correctness of @opentelemetry/sampler-composite (devDependency) on the cases where tracelight's
// head sampler differs (bench/RESULTS.md, issue #19). Usage: node bench/sampler-composite-check.mjs
import { createCompositeSampler, createComposableProbabilitySampler, createComposableParentThresholdSampler } from '@opentelemetry/sampler-composite';
import { ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';
const ps = [1, 0.5, 1/3, 0.25, 0.2, 0.125, 0.1, 0.0625, 0.01, 0.001, 0.0001, 0.00001, 0.000001];
const id = (r) => '4bf92f3577b34da6a3' + r;
for (const p of ps) {
  const s = createCompositeSampler(createComposableParentThresholdSampler(createComposableProbabilitySampler(p)));
  const r = s.shouldSample(ROOT_CONTEXT, id('ffffffffffffff'), 'x', 0, {}, []);
  console.log(p, r.traceState?.serialize());
}
const s = createCompositeSampler(createComposableParentThresholdSampler(createComposableProbabilitySampler(0.1)));
const ctx = (flags, ts, r) => trace.setSpanContext(ROOT_CONTEXT, { traceId: id(r), spanId: '00f067aa0ba902b7', traceFlags: flags, isRemote: true, traceState: new TraceState(ts) });
let r = s.shouldSample(ctx(1, 'ot=th:ff', '00000000000000'), id('00000000000000'), 'x', 0, {}, []);
console.log('sampled parent, inconsistent th:ff, low randomness ->', r.decision, r.traceState?.serialize());
r = s.shouldSample(ctx(0, 'ot=th:8', 'f0000000000000'), id('f0000000000000'), 'x', 0, {}, []);
console.log('UNsampled parent with th:8, high randomness ->', r.decision, r.traceState?.serialize());
r = s.shouldSample(ctx(1, 'ot=th:zz', 'f0000000000000'), id('f0000000000000'), 'x', 0, {}, []);
console.log('sampled parent bad th ->', r.decision, r.traceState?.serialize());
try { createComposableProbabilitySampler(NaN); console.log('NaN accepted') } catch (e) { console.log('NaN throws', e.message) }
try { createComposableProbabilitySampler(2); } catch (e) { console.log('2 throws', e.message) }
