/** Peak RSS (sampled every 50 ms) and CPU time of the current process over a window. */
export class ProcessSampler {
  private peak = process.memoryUsage.rss();
  private cpuStart = process.cpuUsage();
  private readonly timer: NodeJS.Timeout;

  constructor(intervalMs = 50) {
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  /** Starts the window: CPU is counted from here, the peak restarts at the current RSS. */
  start(): void {
    this.cpuStart = process.cpuUsage();
    this.peak = process.memoryUsage.rss();
  }

  /** CPU (user + system, µs) since {@link start}. */
  cpuMicros(): number {
    const used = process.cpuUsage(this.cpuStart);
    return used.user + used.system;
  }

  peakRssBytes(): number {
    this.sample();
    return this.peak;
  }

  /** The kernel's peak RSS over the whole life of the process (bytes). */
  static maxRssBytes(): number {
    return process.resourceUsage().maxRSS * 1024;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private sample(): void {
    const rss = process.memoryUsage.rss();
    if (rss > this.peak) {
      this.peak = rss;
    }
  }
}
