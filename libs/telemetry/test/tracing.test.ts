import { describe, expect, it } from 'vitest';
import { parseTraceparent, requestedExporters, TracingConfigError } from '../src/index.js';

describe('which exporters the OTEL_* variables ask for', () => {
  it('none by default, so tracing is off and no SDK is loaded', () => {
    expect(requestedExporters({})).toEqual([]);
  });

  it('otlp once an OTLP endpoint is set, unless the exporter is none or the SDK is disabled', () => {
    expect(requestedExporters({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toEqual(['otlp']);
    expect(requestedExporters({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' })).toEqual(['otlp']);
    expect(requestedExporters({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_EXPORTER: 'none' })).toEqual([]);
    expect(requestedExporters({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'true' })).toEqual([]);
  });

  it('the exporters OTEL_TRACES_EXPORTER names, and a clear error for one Strom does not have', () => {
    expect(requestedExporters({ OTEL_TRACES_EXPORTER: 'otlp, console' })).toEqual(['otlp', 'console']);
    expect(() => requestedExporters({ OTEL_TRACES_EXPORTER: 'zipkin' })).toThrow(TracingConfigError);
    expect(() => requestedExporters({ OTEL_TRACES_EXPORTER: 'zipkin' })).toThrow(/OTEL_TRACES_EXPORTER: unknown exporter "zipkin"/);
  });
});

describe('W3C traceparent values', () => {
  it('reads a version 00 value into a remote span context', () => {
    expect(parseTraceparent('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01')).toEqual({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: 1,
      isRemote: true,
    });
    expect(parseTraceparent('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00')?.traceFlags).toBe(0);
  });

  it('refuses what the specification refuses', () => {
    for (const value of [
      '',
      'garbage',
      '00-00000000000000000000000000000000-b7ad6b7169203331-01',
      '00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01',
      'ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra',
      '00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01',
    ]) {
      expect(parseTraceparent(value), value).toBeUndefined();
    }
  });

  it('accepts a later version with more fields, reading the ones it knows', () => {
    expect(parseTraceparent('01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-what-comes-later')?.spanId).toBe('b7ad6b7169203331');
  });
});
