using System.Text.Json;
using System.Text.Json.Serialization;

namespace Kefu.Models;

/// <summary>
/// manifest.json of a model archive. Each component (the NLU now, dialogue policies later) owns the
/// entries under its own folder ("nlu/...") and a config of its own shape; Checksums holds the SHA-256
/// of every other entry in the archive.
/// </summary>
public sealed record ModelManifest(
    [property: JsonPropertyName("format")] string Format,
    [property: JsonPropertyName("format_version")] int FormatVersion,
    [property: JsonPropertyName("kefu_version")] string KefuVersion,
    [property: JsonPropertyName("created")] DateTimeOffset Created,
    [property: JsonPropertyName("components")] IReadOnlyList<ComponentManifest> Components,
    [property: JsonPropertyName("checksums")] IReadOnlyDictionary<string, string> Checksums)
{
    public const string FormatName = "kefu-model";
    public const int CurrentFormatVersion = 1;
    public const string EntryName = "manifest.json";

    public static string CurrentKefuVersion { get; } =
        typeof(ModelManifest).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    internal static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}

/// <summary>One component: its name (also its entry folder), type with version ("nlu.v1"), entries and config.</summary>
public sealed record ComponentManifest(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("entries")] IReadOnlyList<string> Entries,
    [property: JsonPropertyName("config")] JsonElement Config);

/// <summary>An archive that cannot be used: corrupt, tampered with, or from an incompatible version.</summary>
public sealed class ModelArchiveException(string message, Exception? inner = null) : Exception(message, inner);
