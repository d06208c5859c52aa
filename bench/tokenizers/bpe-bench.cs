#:project ../../src/Kefu/Kefu.csproj
#:property PublishAot=false
// Byte-level BPE encoding speed on one thread, mixed English and Chinese customer-service text: banking77's training
// questions and CrossWOZ dev utterances, interleaved, about 1 MB of UTF-8, through tiny-qwen2's tokenizer.json
// (GPT-2's pattern) and through the same vocabulary with Qwen2's Split pattern + NFC. The first pass fills the
// per-word cache; the next passes are warm.
//   dotnet run bench/tokenizers/bpe-bench.cs -c Release [SHARED_DIR]
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Kefu.Text.Hf;

string shared = args.Length > 0 ? args[0] : Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "shared");
shared = Directory.Exists(shared) ? shared : Path.GetFullPath(Path.Combine(Directory.GetCurrentDirectory(), "..", "shared"));
var english = File.ReadLines(Path.Combine(shared, "datasets", "banking77", "train.csv")).Skip(1).Where(l => l.Contains(',')).Select(l => l[..l.LastIndexOf(',')].Trim('"')).ToList();
var chinese = new List<string>();
using (var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(shared, "datasets", "crosswoz", "dev.json"))))
{
    foreach (var dialogue in doc.RootElement.EnumerateObject())
        foreach (var turn in dialogue.Value.GetProperty("messages").EnumerateArray())
            chinese.Add(turn.GetProperty("content").GetString()!);
}
var texts = new List<string>();
long bytes = 0;
for (int i = 0; bytes < 1_000_000; i++)
{
    string text = i % 2 == 0 ? english[i / 2 % english.Count] : chinese[i / 2 % chinese.Count];
    texts.Add(text);
    bytes += Encoding.UTF8.GetByteCount(text);
}

string fixture = Path.Combine(shared, "fixtures", "tiny-qwen2");
string qwen2 = Directory.CreateTempSubdirectory("kefu-bpe-bench-").FullName;
var root = JsonNode.Parse(File.ReadAllText(Path.Combine(fixture, "tokenizer.json")))!.AsObject();
root["normalizer"] = JsonNode.Parse("""{"type":"NFC"}""");
root["pre_tokenizer"] = JsonNode.Parse(JsonSerializer.Serialize(new
{
    type = "Sequence",
    pretokenizers = new object[]
    {
        new { type = "Split", pattern = new { Regex = Kefu.Text.Bpe.ByteLevel.Qwen2Pattern }, behavior = "Isolated", invert = false },
        new { type = "ByteLevel", add_prefix_space = false, trim_offsets = false, use_regex = false },
    },
}));
File.WriteAllText(Path.Combine(qwen2, "tokenizer.json"), root.ToJsonString());

Console.WriteLine($"{texts.Count} texts, {bytes / 1e6:F2} MB UTF-8, one thread");
foreach (var (name, folder) in new[] { ("GPT-2 pattern", fixture), ("Qwen2 pattern + NFC", qwen2) })
{
    var tokenizer = HfTokenizer.Load(folder);
    for (int pass = 0; pass < 4; pass++)
    {
        long tokens = 0;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        foreach (string text in texts)
            tokens += tokenizer.Encode(text).Count;
        double seconds = clock.Elapsed.TotalSeconds;
        // CPU time too: on a shared machine the wall clock counts other processes' turns
        double cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        Console.WriteLine($"{name,-20} pass {pass} ({(pass == 0 ? "cold cache" : "warm")}): {bytes / 1e6 / seconds,6:F2} MB/s wall, {bytes / 1e6 / cpuSeconds,6:F2} MB/s of CPU time, {tokens / seconds / 1e6:F2} M tokens/s, {tokens} tokens");
    }
}
