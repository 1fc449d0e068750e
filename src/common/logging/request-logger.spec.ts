import { requestLogLevel } from './request-logger.js';

describe('requestLogLevel', () => {
  it.each([
    [200, 'info'],
    [204, 'info'],
    [302, 'info'],
    [400, 'warn'],
    [401, 'warn'],
    [429, 'warn'],
    [499, 'warn'],
    [500, 'error'],
    [503, 'error'],
  ])('logs a %i answer at %s', (status, level) => {
    expect(requestLogLevel(status)).toBe(level);
  });
});
