using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Kefu.Numerics;
using Kefu.Numerics.Bench;

namespace Kefu.Cli.Commands;

internal static class BenchCommands
{
    private const int Threads = 2;

    public static Command Create()
    {
        var command = new Command("bench", "Benchmarks of Kefu's own components");
        command.Subcommands.Add(CreateNumerics());
        command.Subcommands.Add(CrossWozCommand.Create());
        command.Subcommands.Add(CrossWozNlgCommand.Create());
        return command;
    }

    private static Command CreateNumerics()
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of a table" };
        var quick = new Option<bool>("--quick") { Description = "Fewer repeats (a smoke run, not a measurement)" };
        var command = new Command("numerics", "SGEMM throughput and a transformer encoder's training step and inference, 2 threads (medians after warm-up)");
        command.Options.Add(json);
        command.Options.Add(quick);
        command.SetAction(parseResult =>
        {
            bool isQuick = parseResult.GetValue(quick);
            double gflops1024 = GemmBenchmark.MeasureGflops(1024, Threads, isQuick ? 1 : 9);
            double gflops2048 = GemmBenchmark.MeasureGflops(2048, Threads, isQuick ? 1 : 5);
            var encoder = EncoderBenchmark.Run(Threads, warmupSteps: isQuick ? 1 : 8, trainSteps: isQuick ? 2 : 10, inferRuns: isQuick ? 10 : 300);
            var result = new NumericsBenchmark(Math.Round(gflops1024, 1), Math.Round(gflops2048, 1),
                Math.Round(encoder.TrainStepMs, 2), Math.Round(encoder.InferMs, 3), encoder.AllocatedBytesPerStep);
            if (parseResult.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(result, JsonOptions));
                return 0;
            }
            var inv = CultureInfo.InvariantCulture;
            Console.WriteLine($"kefu bench numerics ({Threads} threads, {Environment.ProcessorCount} cores, medians after warm-up)");
            Console.WriteLine($"  {"SGEMM 1024³",-34} {result.GemmGflops1024.ToString("F1", inv),10} GFLOP/s");
            Console.WriteLine($"  {"SGEMM 2048³",-34} {result.GemmGflops2048.ToString("F1", inv),10} GFLOP/s");
            Console.WriteLine($"  {"encoder training step (32×32)",-34} {result.EncoderTrainStepMs.ToString("F2", inv),10} ms");
            Console.WriteLine($"  {"encoder inference (1×32)",-34} {result.EncoderInferMs.ToString("F3", inv),10} ms");
            Console.WriteLine($"  {"managed allocations per step",-34} {result.AllocatedBytesPerStep,10} bytes");
            return 0;
        });
        return command;
    }

    private static readonly JsonSerializerOptions JsonOptions = new();

    private sealed record NumericsBenchmark(
        [property: JsonPropertyName("gemm_gflops_1024")] double GemmGflops1024,
        [property: JsonPropertyName("gemm_gflops_2048")] double GemmGflops2048,
        [property: JsonPropertyName("encoder_train_step_ms")] double EncoderTrainStepMs,
        [property: JsonPropertyName("encoder_infer_ms")] double EncoderInferMs,
        [property: JsonPropertyName("allocated_bytes_per_step")] long AllocatedBytesPerStep);
}
