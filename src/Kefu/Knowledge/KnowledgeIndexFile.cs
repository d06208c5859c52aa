using System.Text;

namespace Kefu.Knowledge;

/// <summary>
/// The knowledge base on disk (binary, little-endian, strings as BinaryWriter writes them):
/// <code>
/// "KEFUKB" version:int32 encoderId:string sources:int32
///   per source: source hash passages:int32 { id source line:int32 title text questions:int32 {question} }
///               units:int32 { passage:int32 terms:int32 { term count:int32 } dim:int32 { float } }
/// </code>
/// Written to a temporary file and moved into place, so a reader never sees half a file. Vectors from another
/// encoder than the loading one are dropped (their files are re-analyzed on the next Update).
/// </summary>
public static class KnowledgeIndexFile
{
    const string Magic = "KEFUKB";
    const int Version = 1;

    public static void Save(KnowledgeBase kb, string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temp = path + ".tmp";
        using (var w = new BinaryWriter(File.Create(temp), Encoding.UTF8))
        {
            w.Write(Magic);
            w.Write(Version);
            w.Write(kb.Encoder?.Id ?? "");
            w.Write(kb.Sources.Count);
            foreach (var s in kb.Sources.OrderBy(s => s.Source, StringComparer.Ordinal))
            {
                w.Write(s.Source);
                w.Write(s.Hash);
                w.Write(s.Passages.Count);
                foreach (var p in s.Passages)
                {
                    w.Write(p.Id); w.Write(p.Source); w.Write(p.Line); w.Write(p.Title); w.Write(p.Text);
                    w.Write(p.Questions.Count);
                    foreach (var q in p.Questions) w.Write(q);
                }
                w.Write(s.UnitPassage.Count);
                for (int u = 0; u < s.UnitPassage.Count; u++)
                {
                    w.Write(s.UnitPassage[u]);
                    w.Write(s.UnitTerms[u].Count);
                    foreach (var (term, count) in s.UnitTerms[u]) { w.Write(term); w.Write(count); }
                    var v = s.UnitVectors?[u] ?? [];
                    w.Write(v.Length);
                    foreach (var f in v) w.Write(f);
                }
            }
        }
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>
    /// Reads the sources into <paramref name="kb"/>; false when there is no file. A damaged file is an InvalidDataException
    /// naming it (<paramref name="kb"/> may then hold part of it: load into a fresh one to rebuild).
    /// </summary>
    public static bool Load(KnowledgeBase kb, string path)
    {
        if (!File.Exists(path)) return false;
        try
        {
            using var r = new BinaryReader(File.OpenRead(path), Encoding.UTF8);
            if (r.ReadString() != Magic || r.ReadInt32() != Version) throw new InvalidDataException($"{path}: not a Kefu knowledge index of version {Version}; delete it to rebuild");
            bool vectorsUsable = r.ReadString() == (kb.Encoder?.Id ?? "") && kb.Encoder is not null;
            int sourceCount = r.ReadInt32();
            for (int s = 0; s < sourceCount; s++)
            {
                string source = r.ReadString(), hash = r.ReadString();
                var passages = new Passage[r.ReadInt32()];
                for (int p = 0; p < passages.Length; p++)
                {
                    string id = r.ReadString(), src = r.ReadString();
                    int line = r.ReadInt32();
                    string title = r.ReadString(), text = r.ReadString();
                    var questions = new string[r.ReadInt32()];
                    for (int q = 0; q < questions.Length; q++) questions[q] = r.ReadString();
                    passages[p] = new Passage(id, src, line, title, text, questions);
                }
                int unitCount = r.ReadInt32();
                var unitPassage = new int[unitCount];
                var terms = new IReadOnlyDictionary<string, int>[unitCount];
                var vectors = new float[unitCount][];
                for (int u = 0; u < unitCount; u++)
                {
                    unitPassage[u] = r.ReadInt32();
                    var counts = new Dictionary<string, int>(StringComparer.Ordinal);
                    for (int n = r.ReadInt32(); n > 0; n--) counts[r.ReadString()] = r.ReadInt32();
                    terms[u] = counts;
                    var v = vectors[u] = new float[r.ReadInt32()];
                    for (int i = 0; i < v.Length; i++) v[i] = r.ReadSingle();
                }
                // Without usable vectors the hash is blanked, so that Update re-analyzes the file with the current encoder.
                bool keep = kb.Encoder is null || (vectorsUsable && vectors.All(v => v.Length > 0));
                kb.Load(new IndexedSource(source, keep ? hash : "", passages, unitPassage, terms, kb.Encoder is null || !keep ? null : vectors));
            }
        }
        catch (EndOfStreamException) { throw new InvalidDataException($"{path}: the knowledge index is truncated; delete it to rebuild"); }
        // Damaged bytes read as absurd counts (a negative array size, a length past the file's end).
        catch (Exception e) when (e is OverflowException or OutOfMemoryException or IOException or ArgumentException or FormatException)
        {
            throw new InvalidDataException($"{path}: the knowledge index is damaged ({e.GetType().Name}); delete it to rebuild", e);
        }
        kb.Rebuild();
        return true;
    }
}

/// <summary>A sentence-transformers folder (all-MiniLM-L6-v2...) as a knowledge base encoder.</summary>
public sealed class SentenceTextEncoder(Nlu.Pretrained.SentenceEncoder encoder, string id) : ITextEncoder
{
    public string Id => id;

    public float[][] Embed(IReadOnlyList<string> texts) => encoder.Embed(texts);

    public static SentenceTextEncoder Load(string folder)
    {
        var full = Path.GetFullPath(folder);
        var weights = new FileInfo(Path.Combine(full, "model.safetensors"));
        return new(Nlu.Pretrained.SentenceEncoder.Load(full), $"{Path.GetFileName(full.TrimEnd('/'))}:{(weights.Exists ? weights.Length : 0)}");
    }
}
