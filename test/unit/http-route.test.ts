import { routeTemplate } from '../../wfm/http-route';

/** A span's route: every identifier a placeholder, no query, no host-chosen path. */
describe('routeTemplate', () => {
  it.each([
    ['http://127.0.0.1:4010/api/v2/wfm/schedules/s-0001?expand=x', '/api/v2/wfm/schedules/{scheduleId}'],
    [
      'https://api.mypurecloud.ie/api/v2/workforcemanagement/businessunits/3b0b1c2d-aaaa/weeks/2026-03-02/schedules/9f/update/uploadurl',
      '/api/v2/workforcemanagement/businessunits/{businessUnitId}/weeks/{weekId}/schedules/{scheduleId}/update/uploadurl',
    ],
    [
      'https://api.mypurecloud.ie/api/v2/workforcemanagement/businessunits/bu/weeks/2026-03-02/schedules/9f/agentschedules/query',
      '/api/v2/workforcemanagement/businessunits/{businessUnitId}/weeks/{weekId}/schedules/{scheduleId}/agentschedules/query',
    ],
    [
      'https://api.mypurecloud.ie/api/v2/notifications/channels/streaming-7-abc/subscriptions',
      '/api/v2/notifications/channels/{channelId}/subscriptions',
    ],
    ['https://example.com/api/v2/things/0a1b-22', '/api/v2/things/{id}'],
  ])('%s', (url, route) => {
    expect(routeTemplate(url)).toBe(route);
  });

  it('names a signed URL by nothing of its own (its path and query carry the signature)', () => {
    expect(routeTemplate('https://storage.example.com/bucket/key-1?X-Amz-Signature=abc', true)).toBe(
      '{signed URL}',
    );
  });
});
