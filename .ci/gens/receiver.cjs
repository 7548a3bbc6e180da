// A loopback OTLP/HTTP traces receiver for .ci/pack-gens, run as a child process of the smoke app
// (so tracelight's http instrumentation in the app does not trace it). It decodes each request
// with the official OTLP protobuf schema: the protobufjs root generated from opentelemetry-proto
// that @opentelemetry/otlp-transformer published up to 0.216 (the repository's dev dependency
// otlp-transformer-0216; later 0.2xx and 0.30x ship an encoder only). OTLP/HTTP protobuf is the
// same wire format for both OpenTelemetry generations, so one schema decodes both.
// Sends {port} when listening, then {spans} for every request, to the parent over IPC.
'use strict';
const http = require('node:http');
const root = require(process.env.OTLP_SCHEMA);
const { ExportTraceServiceRequest, ExportTraceServiceResponse } = root.opentelemetry.proto.collector.trace.v1;

const hex = (b) => Buffer.from(b ?? []).toString('hex');
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const message = ExportTraceServiceRequest.decode(Buffer.concat(chunks));
    const spans = [];
    for (const rs of message.resourceSpans) {
      const resource = Object.fromEntries((rs.resource?.attributes ?? []).map((a) => [a.key, a.value?.stringValue ?? a.value?.intValue ?? a.value?.boolValue]));
      for (const ss of rs.scopeSpans) {
        for (const s of ss.spans) {
          spans.push({
            name: s.name,
            kind: s.kind,
            traceId: hex(s.traceId),
            spanId: hex(s.spanId),
            parentSpanId: hex(s.parentSpanId),
            scope: ss.scope?.name,
            attributes: Object.fromEntries(s.attributes.map((a) => [a.key, a.value?.stringValue ?? String(a.value?.intValue ?? a.value?.boolValue)])),
            service: resource['service.name'],
            sdk: `${resource['telemetry.sdk.name']} ${resource['telemetry.sdk.version']}`,
          });
        }
      }
    }
    process.send({ spans, contentType: req.headers['content-type'] });
    res.writeHead(200, { 'content-type': 'application/x-protobuf' });
    res.end(ExportTraceServiceResponse.encode({}).finish());
  });
});
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('disconnect', () => server.close(() => process.exit(0)));
