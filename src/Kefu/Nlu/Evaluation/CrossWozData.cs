using System.Globalization;
using System.Text.Json;

namespace Kefu.Nlu.Evaluation;

/// <summary>
/// One CrossWOZ dialog act, as the corpus writes it: [intent, domain, slot, value], e.g. ["Inform", "餐馆", "推荐菜",
/// "驴杂汤"], ["Request", "餐馆", "名称", ""], ["General", "greet", "none", "none"].
/// </summary>
public readonly record struct DialogAct(string Intent, string Domain, string Slot, string Value)
{
    public override string ToString() => $"[{Intent}, {Domain}, {Slot}, {Value}]";
}

/// <summary>One message of a dialogue: its role ("usr" or "sys"), text and dialog acts.</summary>
/// <summary>
/// A message and its acts; <paramref name="Previous"/>: what the other side said just before (null for the first message):
/// its acts without values ("Inform-酒店-电话 Recommend-酒店-名称"), the analogue of the response a bot chose
/// (<see cref="NluExample.ContextOf"/>).
/// </summary>
public sealed record CrossWozTurn(string Role, string Text, IReadOnlyList<DialogAct> Acts, string? Previous = null);

public sealed record CrossWozDialogue(string Id, string Type, IReadOnlyList<CrossWozTurn> Turns);

/// <summary>
/// Reads CrossWOZ's JSON (Zhu et al., TACL 2020; thu-coai/CrossWOZ): an object of dialogue id → {"type", "messages":
/// [{"role", "content", "dialog_act": [[intent, domain, slot, value], ...]}, ...]}. Dialogues keep the file's order,
/// which is what dialogue ranges count in. Other fields (goals, states) are skipped.
/// </summary>
public static class CrossWozReader
{
    public static IReadOnlyList<CrossWozDialogue> Load(string path) => Parse(File.ReadAllText(path), path);

    public static IReadOnlyList<CrossWozDialogue> Parse(string json, string source = "<json>")
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return Read(document.RootElement, source);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException)
        {
            throw new InvalidDataException($"{source}: not a CrossWOZ file ({e.Message})", e);
        }
    }

    static List<CrossWozDialogue> Read(JsonElement root, string source)
    {
        if (root.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException($"{source}: expected an object of dialogue id → dialogue");
        var dialogues = new List<CrossWozDialogue>();
        foreach (var dialogue in root.EnumerateObject())
        {
            var turns = new List<CrossWozTurn>();
            foreach (var message in dialogue.Value.GetProperty("messages").EnumerateArray())
            {
                var acts = new List<DialogAct>();
                if (message.TryGetProperty("dialog_act", out var list))
                    foreach (var act in list.EnumerateArray())
                    {
                        if (act.GetArrayLength() != 4)
                            throw new InvalidDataException($"{source}: dialogue {dialogue.Name}: a dialog act is not [intent, domain, slot, value]: {act}");
                        acts.Add(new DialogAct(act[0].GetString()!, act[1].GetString()!, act[2].GetString()!, act[3].GetString() ?? ""));
                    }
                turns.Add(new CrossWozTurn(message.GetProperty("role").GetString()!, message.GetProperty("content").GetString()!, acts,
                    turns.Count > 0 ? Said(turns[^1]) : null));
            }
            string type = dialogue.Value.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : "";
            dialogues.Add(new CrossWozDialogue(dialogue.Name, type, turns));
        }
        return dialogues;
    }

    /// <summary>
    /// The place names of a CrossWOZ database folder as lookup tables "景点名称", "餐馆名称", "酒店名称" (attraction_db.json,
    /// restaurant_db.json, hotel_db.json: arrays of [name, record]) — what a Rasa project lists under `lookup:`.
    /// </summary>
    public static IReadOnlyList<LookupTable> PlaceNameLookups(string databaseFolder)
    {
        var tables = new List<LookupTable>();
        foreach (var (file, domain) in new[] { ("attraction_db.json", "景点"), ("restaurant_db.json", "餐馆"), ("hotel_db.json", "酒店") })
        {
            string path = Path.Combine(databaseFolder, file);
            using var json = JsonDocument.Parse(File.ReadAllText(path));
            if (json.RootElement.ValueKind != JsonValueKind.Array)
                throw new InvalidDataException($"{path}: expected an array of [name, record] pairs");
            var names = json.RootElement.EnumerateArray()
                .Select(row => row.ValueKind == JsonValueKind.Array && row.GetArrayLength() > 0 && row[0].ValueKind == JsonValueKind.String
                    ? row[0].GetString()! : throw new InvalidDataException($"{path}: a row is not [name, record]: {row}"))
                .Distinct().ToList();
            tables.Add(new LookupTable(domain + "名称", names));
        }
        return tables;
    }

    static string Said(CrossWozTurn turn) => string.Join(' ', turn.Acts.Select(a => $"{a.Intent}-{a.Domain}-{a.Slot}").Distinct());

    /// <summary>The turns of <paramref name="role"/> ("usr", "sys" or "all") in the dialogues, in order.</summary>
    public static IReadOnlyList<CrossWozTurn> Turns(IEnumerable<CrossWozDialogue> dialogues, string role) =>
        role switch
        {
            "all" => [.. dialogues.SelectMany(d => d.Turns)],
            "usr" or "sys" => [.. dialogues.SelectMany(d => d.Turns).Where(t => t.Role == role)],
            _ => throw new ArgumentException($"role must be usr, sys or all, got '{role}'"),
        };
}

/// <summary>
/// Dialogues [Start, End) in file order, written as Python slices: "0:400", "400:" (to the end), ":340" or "340"
/// (the first 340). End null: to the end.
/// </summary>
public readonly record struct DialogueRange(int Start, int? End)
{
    public static readonly DialogueRange All = new(0, null);

    public static DialogueRange Parse(string text)
    {
        int colon = text.IndexOf(':');
        string first = colon < 0 ? "" : text[..colon].Trim(), second = colon < 0 ? text.Trim() : text[(colon + 1)..].Trim();
        int start = first.Length == 0 ? 0 : Number(first);
        int? end = second.Length == 0 ? null : Number(second);
        if (end < start) throw new ArgumentException($"dialogue range '{text}' ends before it starts");
        return new DialogueRange(start, end);

        int Number(string s) => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out int n)
            ? n
            : throw new ArgumentException($"dialogue range '{text}' is not START:END, START:, :END or a count (non-negative integers)");
    }

    public IReadOnlyList<CrossWozDialogue> Of(IReadOnlyList<CrossWozDialogue> dialogues)
    {
        int end = End ?? dialogues.Count;
        if (end > dialogues.Count)
            throw new ArgumentException($"dialogue range {this} reaches past the file's {dialogues.Count} dialogues");
        return [.. dialogues.Skip(Start).Take(end - Start)];
    }

    /// <summary>Whether the two ranges share a dialogue of a file with <paramref name="count"/> dialogues.</summary>
    public bool Overlaps(DialogueRange other, int count) =>
        Math.Max(Start, other.Start) < Math.Min(End ?? count, other.End ?? count);

    public override string ToString() => $"{Start}:{End?.ToString(CultureInfo.InvariantCulture) ?? ""}";
}
