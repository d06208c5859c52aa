using System.Text.Json;

namespace Kefu.Tests.Pretrained;

/// <summary>../shared/fixtures/tiny-bert: a random BERT classifier and what Hugging Face computed with it (expected.json).</summary>
public sealed record TinyBertFixture(
    string Folder,
    string[] Texts,
    int[][] InputIds,
    int[] Labels,
    float[][] LogitsBefore,
    TinyBertTraining Train,
    float[][] LogitsAfter)
{
    public static string Path => System.IO.Path.Combine(RepoPaths.Shared, "fixtures", "tiny-bert");

    public static bool Present => File.Exists(System.IO.Path.Combine(Path, "expected.json"));

    public static TinyBertFixture Load()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(System.IO.Path.Combine(Path, "expected.json")));
        var root = document.RootElement;
        var train = root.GetProperty("train");
        var betas = train.GetProperty("betas");
        return new TinyBertFixture(
            Path,
            [.. root.GetProperty("texts").EnumerateArray().Select(t => t.GetString()!)],
            [.. root.GetProperty("input_ids").EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetInt32()).ToArray())],
            [.. root.GetProperty("labels").EnumerateArray().Select(v => v.GetInt32())],
            Matrix(root.GetProperty("logits_before")),
            new TinyBertTraining(
                train.GetProperty("lr").GetSingle(),
                betas[0].GetSingle(),
                betas[1].GetSingle(),
                train.GetProperty("eps").GetSingle(),
                train.GetProperty("weight_decay").GetSingle(),
                train.GetProperty("steps").GetInt32(),
                [.. train.GetProperty("losses").EnumerateArray().Select(v => v.GetSingle())]),
            Matrix(root.GetProperty("logits_after")));
    }

    private static float[][] Matrix(JsonElement rows) => [.. rows.EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetSingle()).ToArray())];
}

public sealed record TinyBertTraining(float LearningRate, float Beta1, float Beta2, float Epsilon, float WeightDecay, int Steps, float[] Losses);

/// <summary>A fact that skips with a message when ../shared/fixtures/tiny-bert is absent.</summary>
public sealed class TinyBertFactAttribute : FactAttribute
{
    public TinyBertFactAttribute()
    {
        if (!TinyBertFixture.Present)
            Skip = "../shared/fixtures/tiny-bert is absent (expected beside the folder holding Kefu.slnx).";
    }
}
