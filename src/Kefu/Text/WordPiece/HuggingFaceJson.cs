using System.Text.Json;

namespace Kefu.Text.WordPiece;

/// <summary>Reads a Hugging Face JSON file (config.json, tokenizer_config.json) that must hold one object.</summary>
public static class HuggingFaceJson
{
    /// <summary>Parses <paramref name="path"/> and hands its root object to <paramref name="read"/>; errors name path:line:column.</summary>
    public static T ReadObject<T>(string path, Func<JsonElement, T> read)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}:{(e.LineNumber ?? 0) + 1}:{(e.BytePositionInLine ?? 0) + 1}: invalid JSON: {e.Message}", e);
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"{path}: expected a JSON object, got {root.ValueKind}.");
            return read(root);
        }
    }
}
