import { loadSharedSettings } from '../../common/settings';

/** Tracing is on only with an OTLP endpoint, as the standard OpenTelemetry variables name it. */
describe('tracing settings', () => {
  it('is off without an endpoint', () => {
    expect(loadSharedSettings({}).tracing).toBeUndefined();
  });

  it('sends to <endpoint>/v1/traces, or to the traces endpoint as given', () => {
    expect(loadSharedSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }).tracing).toEqual({
      tracesUrl: 'http://collector:4318/v1/traces',
      serviceName: undefined,
    });
    expect(
      loadSharedSettings({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example.com/otlp/v1/traces',
        OTEL_SERVICE_NAME: 'wfm-push-eu',
      }).tracing,
    ).toEqual({ tracesUrl: 'https://traces.example.com/otlp/v1/traces', serviceName: 'wfm-push-eu' });
  });

  it('stays off when the SDK is disabled, and refuses an endpoint that is not a URL', () => {
    expect(
      loadSharedSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' })
        .tracing,
    ).toBeUndefined();
    expect(() => loadSharedSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toThrow(
      /OTEL_EXPORTER_OTLP_ENDPOINT/,
    );
  });
});
