import { requestLogLevel } from './request-logger.js';

describe('requestLogLevel', () => {
  it.each([
    [200, 'info'],
    [204, 'info'],
    [302, 'info'],
    [400, 'info'],
    [401, 'info'],
    [403, 'info'],
    [429, 'info'],
    [499, 'info'],
    [500, 'error'],
    [503, 'error'],
  ])('logs a %i answer at %s', (status, level) => {
    expect(requestLogLevel(status)).toBe(level);
  });
});
