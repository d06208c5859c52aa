using Kefu.Cli.Commands;
using Kefu.Data.Augmentation;
using Kefu.Dialogue;
using Kefu.Dialogue.Tracking;
using Kefu.Nlu;
using Kefu.Nlu.Data;
using Kefu.Projects;
using Kefu.Server.Storage;
using Kefu.Tests.Projects;

namespace Kefu.Tests.Data;

/// <summary>Self-training on unlabelled messages (`kefu data augment --unlabelled`, `--from-conversations`).</summary>
public class PseudoLabelingTests
{
    static readonly NluTrainingData Labelled = NluTrainingData.FromExamples(
    [
        .. Examples("refund", "i want my money back", "refund this order please", "can i get a refund", "give me a refund for the shoes",
            "how do i get my money back", "refund the jacket"),
        .. Examples("track", "where is my parcel", "track my order", "has my parcel shipped", "when will my order arrive",
            "where is the delivery", "track the shoes"),
        .. Examples("greet", "hello", "hi there", "good morning", "hey", "hello again", "hi"),
    ]);

    static IEnumerable<NluExample> Examples(string intent, params string[] texts) => texts.Select(t => new NluExample(t, intent, []));

    static NluModel Train(NluTrainingData data) => NluTrainer.Train(data, NluConfig.Default);

    [Fact]
    public void Messages_are_labelled_by_the_model_marked_and_new()
    {
        string[] unlabelled = ["i would like my money back for the dress", "where is my parcel now", "hello hello", "track my order", "  ", "refund the dress please"];
        var progress = new List<string>();

        var made = PseudoLabeling.Run(Labelled, unlabelled, Train, new PseudoLabelOptions(Rounds: 2, MinConfidence: 0), new ListProgress(progress));

        var intents = made.ToDictionary(m => m.Example.Text, m => m.Example.Intent);
        Assert.Equal("refund", intents["i would like my money back for the dress"]);
        Assert.Equal("refund", intents["refund the dress please"]);
        Assert.Equal("track", intents["where is my parcel now"]);
        Assert.Equal("greet", intents["hello hello"]);
        Assert.False(intents.ContainsKey("track my order"));          // the labelled data has it
        Assert.All(made, m => Assert.Equal(PseudoLabeling.MethodName, m.Example.Augmentation));
        Assert.Equal(2, progress.Count);
        // round 1 of 2 keeps the top half of each intent's readings: one of two refunds, one track, one greet
        Assert.StartsWith("pseudo-labels, round 1 of 2: 3 of 4 messages kept", progress[0]);
        Assert.StartsWith("pseudo-labels, round 2 of 2: 4 of 4 messages kept", progress[1]);
    }

    [Fact]
    public void Readings_under_the_confidence_floor_are_never_kept()
    {
        string[] unlabelled = ["i would like my money back for the dress", "where is my parcel now", "the weather is nice"];
        var all = PseudoLabeling.Run(Labelled, unlabelled, Train, new PseudoLabelOptions(Rounds: 1, MinConfidence: 0));
        var model = Train(Labelled);
        float weakest = unlabelled.Min(t => model.PredictIntent(t).Confidence);

        var sure = PseudoLabeling.Run(Labelled, unlabelled, Train, new PseudoLabelOptions(Rounds: 1, MinConfidence: weakest + 1e-4));

        Assert.Equal(3, all.Count);
        Assert.Equal(2, sure.Count);
        Assert.All(sure, m => Assert.True(model.PredictIntent(m.Example.Text).Confidence > weakest));
    }

    [Fact]
    public void Unlabelled_files_are_read_as_text_lines_csv_json_lines_and_nlu_yml()
    {
        using var temp = new TempProject([]);
        temp.Write("a.txt", "第一条\n\n  第二条  \n");
        temp.Write("b.csv", "id,text,intent\n1,\"hello, there\",greet\n2,bye,\n");
        temp.Write("c.jsonl", "{\"text\": \"where is my parcel\"}\n");
        temp.Write("d.csv", "id,message\n1,hello\n");
        temp.Write("e.csv", "id,text\n1\n");

        Assert.Equal(["第一条", "第二条"], UnlabelledMessages.Read(temp.PathOf("a.txt")));
        Assert.Equal(["hello, there", "bye"], UnlabelledMessages.Read(temp.PathOf("b.csv")));
        Assert.Equal(["where is my parcel"], UnlabelledMessages.Read(temp.PathOf("c.jsonl")));
        Assert.EndsWith("d.csv:1: header 'id,message' has no 'text' column", Assert.Throws<NluDataException>(() => UnlabelledMessages.Read(temp.PathOf("d.csv"))).Message);
        Assert.EndsWith("e.csv:2: expected 2 fields, found 1", Assert.Throws<NluDataException>(() => UnlabelledMessages.Read(temp.PathOf("e.csv"))).Message);
        Assert.Throws<FileNotFoundException>(() => UnlabelledMessages.Read(temp.PathOf("none.txt")));
        temp.WriteBytes("f.txt", [.. "第一条\n"u8, 0xFF, .. "\n"u8]);
        Assert.Contains("f.txt:2:", Assert.Throws<NluDataException>(() => UnlabelledMessages.Read(temp.PathOf("f.txt"))).Message);
    }

    [Fact]
    public async Task The_command_self_trains_on_files_and_on_the_customers_messages_in_the_conversation_store()
    {
        using var project = TempProject.Valid();
        var augment = DataAugmentCommand.Create();
        // pseudo-labels without messages is an error, and nothing is written
        Assert.Equal(1, augment.Parse(["--project", project.Dir, "--methods", "pseudo-labels"]).Invoke());
        Assert.Equal(1, augment.Parse(["--project", project.Dir, "--unlabelled", project.PathOf("none.txt")]).Invoke());
        Assert.Equal(1, augment.Parse(["--project", project.Dir, "--from-conversations"]).Invoke());          // no store yet
        project.Write("broken.db", "not a database");
        Assert.Equal(1, augment.Parse(["--project", project.Dir, "--from-conversations", "--db", project.PathOf("broken.db")]).Invoke());
        Assert.False(File.Exists(project.PathOf("data/nlu_augmented.yml")));

        project.Write("logs.txt", "你好呀\n");
        using (var store = new SqliteEventStore(project.PathOf(".kefu/conversations.db")))
            foreach (var (id, text) in new[] { ("c-1", "再见啦"), ("c-2", "/greet"), ("c-3", "你好") })
            {
                var guess = new IntentPrediction("greet", 0.9f);
                await store.AppendAsync(id, [RasaEventJson.ToStored(new UserUttered(text, new NluParse(text, guess, [guess], [])))]);
            }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();

        int code = augment.Parse(["--project", project.Dir, "--methods", "pseudo-labels", "--unlabelled", project.PathOf("logs.txt"),
            "--from-conversations"]).Invoke();

        Assert.Equal(0, code);
        var written = NluFile.Load(project.PathOf("data/nlu_augmented.yml")).Examples;
        // 你好 is already an example and /greet is a button's payload: two new messages, both marked
        Assert.Equal(["你好呀", "再见啦"], written.Select(e => e.Text).Order(StringComparer.Ordinal));
        Assert.All(written, e => Assert.Equal(PseudoLabeling.MethodName, e.Augmentation));
        Assert.Equal("goodbye", written.Single(e => e.Text == "再见啦").Intent);
        Assert.Equal(2, RasaProject.Load(project.Dir).Nlu.Examples.Count(e => e.Augmentation == PseudoLabeling.MethodName));
        // a rerun learns from the real examples only, and replaces the file with the same one
        string first = File.ReadAllText(project.PathOf("data/nlu_augmented.yml"));
        Assert.Equal(0, augment.Parse(["--project", project.Dir, "--methods", "pseudo-labels", "--unlabelled", project.PathOf("logs.txt"),
            "--from-conversations"]).Invoke());
        Assert.Equal(first, File.ReadAllText(project.PathOf("data/nlu_augmented.yml")));
    }

    sealed class ListProgress(List<string> lines) : IProgress<string>
    {
        public void Report(string value) => lines.Add(value);
    }
}
