using System.Text.Json;
using System.Text.Json.Serialization;
using Kefu.Numerics.IO;
using Kefu.Numerics.Optim;

namespace Kefu.Nlu.Pretrained;

/// <summary>
/// What a fine-tuning run needs to resume after its last finished epoch: the labels and options it ran with, the
/// optimizer step, the epochs so far and the best one. Written beside last/ and best/ model folders and the AdamW
/// moments (optimizer.safetensors) in the checkpoint folder.
/// </summary>
internal sealed record TrainingState(
    IReadOnlyList<string> Intents,
    IReadOnlyList<string> EntityTypes,
    FineTuneOptions Options,
    int Step,
    IReadOnlyList<EpochResult> History,
    int BestEpoch,
    double BestScore)
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static TrainingState? TryLoad(string folder, string file)
    {
        string path = Path.Combine(folder, file);
        if (!File.Exists(path))
            return null;
        try
        {
            return JsonSerializer.Deserialize<TrainingState>(File.ReadAllText(path), Json)
                ?? throw new InvalidDataException($"{path}: empty training state.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a readable training state ({e.Message}); delete the checkpoint folder to start afresh.", e);
        }
    }

    public void Save(string folder, string file)
    {
        string path = Path.Combine(folder, file), temporary = path + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(this, Json));
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>A resumed run must train the same labels with the same options; only the epoch count may grow.</summary>
    public void CheckCompatible(IReadOnlyList<string> intents, IReadOnlyList<string> entityTypes, FineTuneOptions options, string folder)
    {
        if (!Intents.SequenceEqual(intents) || !EntityTypes.SequenceEqual(entityTypes))
            throw new InvalidOperationException($"{folder}: the checkpoint was trained on other intents or entity types; use another --checkpoint-dir or delete it.");
        if (Options with { Epochs = options.Epochs } != options)
            throw new InvalidOperationException($"{folder}: the checkpoint was trained with other options ({Options}); resume with the same ones or delete it.");
    }

    public static void SaveOptimizer(string path, AdamW optimizer)
    {
        SafetensorsWriter.Write(path,
        [
            new NamedTensor("first_moments", [optimizer.FirstMoments.Length], optimizer.FirstMoments.ToArray()),
            new NamedTensor("second_moments", [optimizer.SecondMoments.Length], optimizer.SecondMoments.ToArray()),
        ], new Dictionary<string, string> { ["step"] = optimizer.StepCount.ToString(System.Globalization.CultureInfo.InvariantCulture) });
    }

    public static void LoadOptimizer(string path, AdamW optimizer, int step)
    {
        using var file = SafetensorsFile.Open(path);
        if (!file.TryGetTensor("first_moments", out var m) || m.ElementCount != optimizer.FirstMoments.Length)
            throw new InvalidDataException($"{path}: optimizer moments do not fit this model's {optimizer.FirstMoments.Length} parameters.");
        file.ReadFloat32("first_moments", optimizer.FirstMoments);
        file.ReadFloat32("second_moments", optimizer.SecondMoments);
        optimizer.StepCount = step;
    }
}
