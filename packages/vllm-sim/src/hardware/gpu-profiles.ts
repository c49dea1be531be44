// GPUs the simulator can pretend to be. Memory is what PyTorch reports as total memory (a "16 GB"
// T4 shows 14.74 GiB); bandwidth and FLOPS are data-sheet peaks used by the roofline latency model.

/** One GPU's figures, as PyTorch and the data sheet give them. */
export interface GpuProfile {
  /** The `--gpu` flag value. */
  key: string;
  /** torch.cuda.get_device_name(), as vLLM prints it. */
  deviceName: string;
  totalMemoryGiB: number;
  memoryBandwidthBytesPerSecond: number;
  /** Dense FP16/BF16 tensor-core peak. */
  peakFp16Flops: number;
  computeCapability: string;
  supportsBfloat16: boolean;
}

export const GPU_PROFILES: readonly GpuProfile[] = [
  {
    key: "t4",
    deviceName: "Tesla T4",
    totalMemoryGiB: 14.74,
    memoryBandwidthBytesPerSecond: 320e9,
    peakFp16Flops: 65e12,
    computeCapability: "7.5",
    supportsBfloat16: false,
  },
  {
    key: "l4",
    deviceName: "NVIDIA L4",
    totalMemoryGiB: 22.03,
    memoryBandwidthBytesPerSecond: 300e9,
    peakFp16Flops: 121e12,
    computeCapability: "8.9",
    supportsBfloat16: true,
  },
  {
    key: "a10g",
    deviceName: "NVIDIA A10G",
    totalMemoryGiB: 22.07,
    memoryBandwidthBytesPerSecond: 600e9,
    peakFp16Flops: 70e12,
    computeCapability: "8.6",
    supportsBfloat16: true,
  },
  {
    key: "a100-40gb",
    deviceName: "NVIDIA A100-SXM4-40GB",
    totalMemoryGiB: 39.39,
    memoryBandwidthBytesPerSecond: 1555e9,
    peakFp16Flops: 312e12,
    computeCapability: "8.0",
    supportsBfloat16: true,
  },
  {
    key: "h100-80gb",
    deviceName: "NVIDIA H100 80GB HBM3",
    totalMemoryGiB: 79.19,
    memoryBandwidthBytesPerSecond: 3350e9,
    peakFp16Flops: 989e12,
    computeCapability: "9.0",
    supportsBfloat16: true,
  },
];

export function findGpuProfile(key: string): GpuProfile | undefined {
  return GPU_PROFILES.find((gpu) => gpu.key === key.toLowerCase());
}
