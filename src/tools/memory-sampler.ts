/** Peak memory of this process, sampled with `process.memoryUsage()`. */
export interface MemoryPeaks {
  rssBytes: number;
  heapUsedBytes: number;
  heapTotalBytes: number;
  externalBytes: number;
  samples: number;
}

export interface MemorySampler {
  peaks(): MemoryPeaks;
  stop(): MemoryPeaks;
}

/**
 * Samples this process's memory every `intervalMs` and keeps the peaks. The heap figures are the
 * main thread's; worker threads (the SDK runs workflows in one) count only in the RSS.
 */
export function sampleMemory(intervalMs = 100): MemorySampler {
  const peaks: MemoryPeaks = { rssBytes: 0, heapUsedBytes: 0, heapTotalBytes: 0, externalBytes: 0, samples: 0 };
  const sample = (): void => {
    const m = process.memoryUsage();
    peaks.rssBytes = Math.max(peaks.rssBytes, m.rss);
    peaks.heapUsedBytes = Math.max(peaks.heapUsedBytes, m.heapUsed);
    peaks.heapTotalBytes = Math.max(peaks.heapTotalBytes, m.heapTotal);
    peaks.externalBytes = Math.max(peaks.externalBytes, m.external);
    peaks.samples++;
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  timer.unref();
  return {
    peaks: () => ({ ...peaks }),
    stop: () => {
      clearInterval(timer);
      sample();
      return { ...peaks };
    },
  };
}
