using System.Text;

namespace Kefu.Projects.Yaml;

/// <summary>
/// A project file's text, read as Rasa reads it: UTF-8 (a UTF-8 or UTF-16 byte-order mark is honoured), no more than
/// <see cref="ProjectLimits.MaxFileBytes"/>. Invalid bytes are an error at their line and column, never U+FFFD
/// silently trained on.
/// </summary>
internal static class FileText
{
    private static readonly Encoding StrictUtf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private static readonly Encoding StrictUtf16LittleEndian = new UnicodeEncoding(bigEndian: false, byteOrderMark: false, throwOnInvalidBytes: true);
    private static readonly Encoding StrictUtf16BigEndian = new UnicodeEncoding(bigEndian: true, byteOrderMark: false, throwOnInvalidBytes: true);

    /// <summary>The text, or null after reporting why it cannot be had.</summary>
    public static string? Read(string path, string displayName, long maxBytes, DiagnosticBag diagnostics)
    {
        var start = new SourceLocation(displayName, 1, 1);
        byte[] bytes;
        try
        {
            if (ReadAtMost(path, maxBytes) is not { } read)
            {
                diagnostics.Error(start, $"the file is larger than {maxBytes} bytes (KEFU_MAX_FILE_BYTES); split it into several files under data/");
                return null;
            }
            bytes = read;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            diagnostics.Error(start, $"cannot read the file: {e.Message}");
            return null;
        }

        var (encoding, bom) = bytes switch
        {
            [0xEF, 0xBB, 0xBF, ..] => (StrictUtf8, 3),
            [0xFF, 0xFE, ..] => (StrictUtf16LittleEndian, 2),
            [0xFE, 0xFF, ..] => (StrictUtf16BigEndian, 2),
            _ => (StrictUtf8, 0),
        };
        var content = bytes.AsSpan(bom);
        try
        {
            return encoding.GetString(content);
        }
        catch (DecoderFallbackException e)
        {
            // Index is where the invalid sequence starts; everything before it decodes.
            int index = Math.Clamp(e.Index, 0, content.Length);
            string before = encoding.GetString(content[..index]);
            int lineStart = before.LastIndexOf('\n') + 1;
            var at = new SourceLocation(displayName, before.AsSpan().Count('\n') + 1, before.Length - lineStart + 1);
            string shown = string.Join(" ", (e.BytesUnknown ?? []).Take(4).Select(b => $"0x{b:X2}"));
            diagnostics.Error(at, $"the file is not valid {(encoding == StrictUtf8 ? "UTF-8" : "UTF-16")} (bytes {shown} here); save it as UTF-8");
            return null;
        }
    }

    /// <summary>The file's bytes, or null when it holds more than <paramref name="maxBytes"/> (read no further than that).</summary>
    private static byte[]? ReadAtMost(string path, long maxBytes)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
        if (stream.CanSeek && stream.Length > maxBytes) return null;
        var buffer = new MemoryStream();
        var chunk = new byte[81920];
        while (true)
        {
            long room = maxBytes - buffer.Length; // reading one byte past the limit tells "larger"
            int n = stream.Read(chunk, 0, room >= chunk.Length ? chunk.Length : (int)room + 1);
            if (n == 0) break;
            buffer.Write(chunk, 0, n);
            if (buffer.Length > maxBytes) return null;
        }
        return buffer.ToArray();
    }
}
