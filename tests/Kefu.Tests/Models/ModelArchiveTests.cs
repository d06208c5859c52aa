using System.IO.Compression;
using System.Text.Json.Nodes;
using Kefu.Models;
using Kefu.Nlu;
using Kefu.Tests.Nlu;

namespace Kefu.Tests.Models;

public sealed class ModelArchiveTests : IDisposable
{
    static readonly Lazy<NluModel> Model = new(() => NluTrainer.Train(NluTestData.WithEntities(), NluTestData.FastConfig()));
    readonly string folder = Directory.CreateTempSubdirectory("kefu-archive-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    string Saved()
    {
        string path = Path.Combine(folder, "models", "model.kefu");
        ModelArchive.Save(path, Model.Value);
        return path;
    }

    static void Rewrite(string path, string entryName, Func<byte[], byte[]> change)
    {
        using var zip = ZipFile.Open(path, ZipArchiveMode.Update);
        var entry = zip.GetEntry(entryName)!;
        byte[] bytes;
        using (var s = entry.Open()) { using var m = new MemoryStream(); s.CopyTo(m); bytes = m.ToArray(); }
        entry.Delete();
        using var w = zip.CreateEntry(entryName).Open();
        w.Write(change(bytes));
    }

    [Fact]
    public void Round_trip_parses_exactly_as_the_trained_model()
    {
        var loaded = ModelArchive.Load(Saved());
        Assert.Equal(ModelManifest.CurrentFormatVersion, loaded.Manifest.FormatVersion);
        Assert.Equal("nlu.v1", Assert.Single(loaded.Manifest.Components).Type);
        foreach (var text in new[] { "book a flight to paris", "我想买手机", "what is the weather in nyc", "嗯？" })
            Assert.Equal(NluParseJson.Serialize(Model.Value.Parse(text)), NluParseJson.Serialize(loaded.Nlu.Parse(text)));
    }

    [Fact]
    public void A_truncated_file_is_reported_as_corrupt()
    {
        string path = Saved();
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<ModelArchiveException>(() => ModelArchive.Load(path));
        Assert.Contains("corrupt", e.Message);
    }

    [Fact]
    public void A_modified_entry_fails_its_checksum()
    {
        string path = Saved();
        Rewrite(path, "nlu/intents.safetensors", b => { b[^1] ^= 0x5A; return b; });
        var e = Assert.Throws<ModelArchiveException>(() => ModelArchive.Load(path));
        Assert.Contains("nlu/intents.safetensors", e.Message);
        Assert.Contains("SHA-256", e.Message);
    }

    [Fact]
    public void A_newer_format_version_asks_for_an_upgrade()
    {
        string path = Saved();
        Rewrite(path, "manifest.json", b =>
        {
            var json = JsonNode.Parse(b)!;
            json["format_version"] = 99;
            return System.Text.Encoding.UTF8.GetBytes(json.ToJsonString());
        });
        var e = Assert.Throws<ModelArchiveException>(() => ModelArchive.Load(path));
        Assert.Contains("version 99 is newer", e.Message);
    }

    [Fact]
    public void An_unknown_component_type_or_missing_manifest_is_rejected()
    {
        string path = Saved();
        Rewrite(path, "manifest.json", b => System.Text.Encoding.UTF8.GetBytes(
            System.Text.Encoding.UTF8.GetString(b).Replace("\"nlu.v1\"", "\"nlu.v7\"")));
        Assert.Contains("nlu.v7", Assert.Throws<ModelArchiveException>(() => ModelArchive.Load(path)).Message);

        string other = Path.Combine(folder, "other.kefu");
        using (var zip = ZipFile.Open(other, ZipArchiveMode.Create)) zip.CreateEntry("weights.bin");
        Assert.Contains("manifest.json", Assert.Throws<ModelArchiveException>(() => ModelArchive.Load(other)).Message);
    }

    [Fact]
    public void A_failed_save_leaves_no_file_behind()
    {
        string path = Path.Combine(folder, "failed.kefu");
        Assert.Throws<InvalidOperationException>(() =>
            ModelArchive.Save(path, Model.Value, _ => throw new InvalidOperationException("dialogue failed")));
        Assert.Empty(Directory.GetFiles(folder));
    }
}
