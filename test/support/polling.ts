/** Polls until the request answers `status`, failing after `deadlineMs`. Returns the time it took. */
export async function untilStatus(request: () => Promise<{ status: number }>, status: number, deadlineMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    const response = await request();
    if (response.status === status) return Date.now() - started;
    if (Date.now() - started > deadlineMs) throw new Error(`still ${response.status} after ${deadlineMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
