using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Kefu.Text.Hf;

namespace Kefu.Tests.Text;

/// <summary>
/// The Precompiled normalizer with SentencePiece's built-in nmt_nfkc map (XLM-R's) against Data/nmt-nfkc-oracle.json,
/// written by Hugging Face's Rust tokenizers 0.23.2 (Data/make_nmt_nfkc_oracle.js): normalized text, ids and offsets
/// of full-width and half-width forms, ligatures, circled and Roman numerals, sub/superscripts, odd spaces and
/// zero-width characters, combining sequences, Hangul, CJK compatibility characters, Arabic presentation forms and emoji.
/// The map is made again by Data/make_precompiled_charsmap.py (python3-sentencepiece) and must hash as the oracle's.
/// </summary>
public class NmtNfkcOracleTests
{
    private static readonly string Data = Path.Combine(RepoPaths.Root, "tests", "Kefu.Tests", "Text", "Data");

    internal static readonly Lazy<string?> Charsmap = new(() =>
    {
        try
        {
            var start = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add(Path.Combine(Data, "make_precompiled_charsmap.py"));
            start.ArgumentList.Add("nmt_nfkc");
            using var process = Process.Start(start)!;
            var stderr = process.StandardError.ReadToEndAsync();
            string output = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit();
            _ = stderr.Result;
            return process.ExitCode == 0 && output.Length > 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    });

    [NmtNfkcFact]
    public void Normalized_text_ids_and_offsets_match_hugging_face()
    {
        var oracle = JsonNode.Parse(File.ReadAllText(Path.Combine(Data, "nmt-nfkc-oracle.json")))!.AsObject();
        string charsmap = Charsmap.Value!;
        Assert.Equal(oracle["charsmap_sha256"]!.GetValue<string>(), Convert.ToHexStringLower(SHA256.HashData(Convert.FromBase64String(charsmap))));
        var json = oracle["tokenizer"]!.DeepClone().AsObject();
        json["normalizer"]!["normalizers"]![0]!["precompiled_charsmap"] = charsmap;
        string folder = Directory.CreateTempSubdirectory("kefu-nmt-nfkc-").FullName;
        File.WriteAllText(Path.Combine(folder, "tokenizer.json"), json.ToJsonString());
        var tokenizer = (SubwordTokenizer)HfTokenizer.Load(folder);
        var texts = oracle["texts"]!.AsArray().Select(t => t!.GetValue<string>()).ToArray();
        var results = oracle["results"]!.AsArray();
        for (int i = 0; i < texts.Length; i++)
        {
            string shown = System.Text.Json.JsonSerializer.Serialize(texts[i]);
            var expected = results[i]!;
            Assert.True(expected["normalized"]!.GetValue<string>() == tokenizer.Normalize(texts[i]),
                $"{shown}: normalized {System.Text.Json.JsonSerializer.Serialize(expected["normalized"]!.GetValue<string>())} expected, got {System.Text.Json.JsonSerializer.Serialize(tokenizer.Normalize(texts[i]))}");
            var encoding = tokenizer.Encode(texts[i]);
            Assert.Equal(expected["ids"]!.AsArray().Select(v => v!.GetValue<int>()), encoding.Ids);
            var offsets = expected["offsets"]!.AsArray().Select(o => (o![0]!.GetValue<int>(), o[1]!.GetValue<int>()));
            Assert.True(offsets.SequenceEqual(encoding.Offsets.Select(o => (o.Start, o.End))),
                $"{shown}: offsets [{string.Join(" ", offsets)}] expected, got [{string.Join(" ", encoding.Offsets.Select(o => (o.Start, o.End)))}]");
        }
    }
}

/// <summary>A fact that is skipped, saying why, where /usr/bin/python3 with sentencepiece cannot make the nmt_nfkc map.</summary>
public sealed class NmtNfkcFactAttribute : FactAttribute
{
    public NmtNfkcFactAttribute()
    {
        if (NmtNfkcOracleTests.Charsmap.Value is null)
            Skip = "nmt_nfkc comparison skipped: /usr/bin/python3 with sentencepiece is missing (Debian package python3-sentencepiece; run scripts/ci-deps.sh)";
    }
}
