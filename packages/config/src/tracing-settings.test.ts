import { configErrorOf } from './testing.js';
import { tracingSettings } from './tracing-settings.js';

describe('tracingSettings', () => {
  it('when no OTLP endpoint is set, then tracing is off', () => {
    expect(tracingSettings({})).toBeUndefined();
    expect(tracingSettings({ OTEL_SERVICE_NAME: 'runq', OTEL_BSP_SCHEDULE_DELAY: '100' })).toBeUndefined();
  });

  it('when OTEL_EXPORTER_OTLP_ENDPOINT is set, then traces go to its /v1/traces path, as the OTLP exporter specification says', () => {
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318' })).toEqual({
      tracesUrl: 'http://jaeger:4318/v1/traces',
      serviceName: undefined,
      scheduleDelayMs: undefined,
    });
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otel.example/base/' })?.tracesUrl).toBe('https://otel.example/base/v1/traces');
  });

  it('when OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set, then it is used as given, before the general endpoint', () => {
    const settings = tracingSettings({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://traces:4318/custom',
      OTEL_SERVICE_NAME: 'runq-eu',
      OTEL_BSP_SCHEDULE_DELAY: '250',
    });
    expect(settings).toEqual({ tracesUrl: 'http://traces:4318/custom', serviceName: 'runq-eu', scheduleDelayMs: 250 });
    expect(Object.isFrozen(settings)).toBe(true);
  });

  it.each([{ OTEL_SDK_DISABLED: 'true' }, { OTEL_SDK_DISABLED: 'TRUE' }, { OTEL_TRACES_EXPORTER: 'none' }])(
    'when %j, then tracing is off even with an endpoint',
    (off) => {
      expect(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318', ...off })).toBeUndefined();
    },
  );

  it.each([
    ['OTEL_EXPORTER_OTLP_ENDPOINT', { OTEL_EXPORTER_OTLP_ENDPOINT: 'jaeger:4318' }],
    ['OTEL_EXPORTER_OTLP_ENDPOINT', { OTEL_EXPORTER_OTLP_ENDPOINT: 'grpc://jaeger:4317' }],
    ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'not a url' }],
    ['OTEL_TRACES_EXPORTER', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318', OTEL_TRACES_EXPORTER: 'zipkin' }],
    ['OTEL_BSP_SCHEDULE_DELAY', { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318', OTEL_BSP_SCHEDULE_DELAY: 'soon' }],
  ])('when %s is malformed (%j), then a ConfigError names it', (variable, env) => {
    expect(configErrorOf(() => tracingSettings(env)).variable).toBe(variable);
  });
});
