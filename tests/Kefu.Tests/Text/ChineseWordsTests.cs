using Kefu.Nlu.Features;
using Kefu.Projects;
using Kefu.Text;
using Kefu.Training;

namespace Kefu.Tests.Text;

public sealed class ChineseWordsTests : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("kefu-jieba-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    static string[] Cut(string text) => [.. ChineseWords.Words(text).Select(w => text[w.Start..w.End])];

    [Fact]
    public void Jieba_finds_the_words_of_two_or_more_characters()
    {
        Assert.Equal(["鞋子", "能换", "一双", "大一码"], Cut("我买的鞋子小了，能换一双大一码的吗"));
        Assert.Equal(["你们", "京东", "还是", "淘宝"], Cut("你们是京东还是淘宝DD20241108123"));
        Assert.Empty(Cut("where is my order"));
    }

    [Fact]
    public void A_user_dictionary_adds_words()
    {
        File.WriteAllText(Path.Combine(folder, "words.txt"), "小客同学 10 n\n羽绒马甲\n");
        var words = ChineseWords.ReadUserDictionary(folder);
        Assert.Equal(["小客同学", "羽绒马甲"], words);
        ChineseWords.AddUserWords(words);
        Assert.Contains("小客同学", Cut("你好小客同学"));
    }

    [Fact]
    public void Words_are_features_only_when_asked_for()
    {
        string[] texts = ["我想换货", "我想退货", "换货怎么弄", "退货怎么弄"];
        var plain = SparseVectorizer.Fit(texts, new SparseFeatureConfig(MinDocumentFrequency: 1));
        var words = SparseVectorizer.Fit(texts, new SparseFeatureConfig(MinDocumentFrequency: 1, ChineseWords: true));
        Assert.True(words.FeatureCount > plain.FeatureCount, $"{words.FeatureCount} features with words, {plain.FeatureCount} without");
    }

    [Fact]
    public void A_dictionary_path_that_does_not_exist_is_an_error_at_its_line()
    {
        string path = Path.Combine(folder, "config.yml");
        File.WriteAllText(path, "language: zh\npipeline:\n  - name: JiebaTokenizer\n    dictionary_path: no/such/folder\n");
        var e = Assert.Throws<ProjectException>(() => ProjectTrainer.NluConfigFor(ProjectConfig.Load(path)));
        var d = Assert.Single(e.Diagnostics);
        Assert.Equal(4, d.Location.Line);
        Assert.Contains("no/such/folder", d.Message);

        Directory.CreateDirectory(Path.Combine(folder, "dict"));
        File.WriteAllText(Path.Combine(folder, "dict", "a.txt"), "羽绒马甲\n");
        File.WriteAllText(path, "language: zh\npipeline:\n  - name: JiebaTokenizer\n    dictionary_path: dict\n");
        var features = ProjectTrainer.NluConfigFor(ProjectConfig.Load(path)).Features;
        Assert.True(features.ChineseWords);
        Assert.Equal(["羽绒马甲"], features.UserWords);
    }
}
