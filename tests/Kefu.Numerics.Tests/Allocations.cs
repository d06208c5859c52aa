namespace Kefu.Numerics.Tests;

/// <summary>
/// Managed bytes a call allocates on the calling thread, measured over windows of calls: a steady per-call
/// allocation shows in every window, a one-off runtime event (tiered JIT finishing a method, a helper
/// thread starting) in at most one. Assert that the least is zero.
/// </summary>
internal static class Allocations
{
    public static long[] PerWindow(Action call, int windows = 4, int callsPerWindow = 3)
    {
        var bytes = new long[windows];
        for (int w = 0; w < windows; w++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < callsPerWindow; i++) call();
            bytes[w] = GC.GetAllocatedBytesForCurrentThread() - before;
        }
        return bytes;
    }
}
