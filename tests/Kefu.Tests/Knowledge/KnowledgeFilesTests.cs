using Kefu.Knowledge;

namespace Kefu.Tests.Knowledge;

public sealed class TempFolder : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "kefu-kb-" + Guid.NewGuid().ToString("N"));

    public TempFolder(params (string Name, string Text)[] files)
    {
        Directory.CreateDirectory(Path);
        foreach (var (name, text) in files) Write(name, text);
    }

    public string Write(string name, string text)
    {
        var full = System.IO.Path.Combine(Path, name);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        System.IO.File.WriteAllText(full, text);
        return full;
    }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose() { try { Directory.Delete(Path, true); } catch (IOException) { } }
}

public class FaqReaderTests
{
    [Fact]
    public void Yaml_csv_and_json_give_the_same_entries_with_several_phrasings()
    {
        using var dir = new TempFolder(
            ("faq.yml", "faq:\n  - id: fee\n    questions: [运费怎么算, 要运费吗]\n    answer: 满99包邮\n"),
            ("faq.csv", "id,question,answer\nfee,运费怎么算|要运费吗,满99包邮\n"),
            ("faq2.csv", "id,question,answer\nfee,运费怎么算,\"满99包邮\"\nfee,要运费吗,\n"),
            ("faq.json", "[{\"id\": \"fee\", \"questions\": [\"运费怎么算\", \"要运费吗\"], \"answer\": \"满99包邮\"}]"));
        foreach (var name in new[] { "faq.yml", "faq.csv", "faq2.csv", "faq.json" })
        {
            var e = Assert.Single(FaqReader.Read(dir.File(name), name));
            Assert.Equal($"{name}#fee", e.Id);
            Assert.Equal(["运费怎么算", "要运费吗"], e.Questions);
            Assert.Equal("满99包邮", e.Text);
        }
    }

    [Theory]
    [InlineData("faq.yml", "faq:\n  - id: a\n    questions: [x]\n    answer: y\n  - id: b\n    questions: [z]\n", "faq.yml:5: error: FAQ entry 'b' has no answer")]
    [InlineData("faq.csv", "id,question,answer\na,x,y\nb,z,\n", "faq.csv:3: error: FAQ entry 'b' has no answer")]
    [InlineData("faq.json", "[\n {\"id\": \"a\", \"question\": \"x\", \"answer\": \"y\"},\n {\"id\": \"b\", \"question\": \"z\"}\n]", "faq.json:3: error: FAQ entry 'b' has no answer")]
    [InlineData("faq.yml", "faq:\n  - id: a\n    answer: y\n", "faq.yml:2: error: FAQ entry 'a' has no question")]
    [InlineData("faq.yml", "faq:\n  - id: a\n    questions: [x\n", "faq.yml:")]
    [InlineData("faq.json", "[{\"id\": \"a\",,}]", "faq.json:1: error:")]
    [InlineData("faq.csv", "id,question,answer\na,\"x,y\n", "faq.csv:2: error: a quoted cell is never closed")]
    public void Bad_entries_are_errors_at_file_and_line(string name, string text, string expected)
    {
        using var dir = new TempFolder((name, text));
        var e = Assert.Throws<KnowledgeFormatException>(() => FaqReader.Read(dir.File(name), name));
        Assert.StartsWith(expected, e.Message);
    }
}

public class DocumentReaderTests
{
    [Fact]
    public void Markdown_splits_by_headings_with_the_heading_path_as_title_and_lines_kept()
    {
        using var dir = new TempFolder(("policy.md", "# 退货\n\n七天无理由退货。\n\n## 运费\n\n质量问题由我们承担运费。\n\n```\n# not a heading\n```\n"));
        var passages = DocumentReader.Read(dir.File("policy.md"), "policy.md");
        Assert.Equal(["退货", "退货 > 运费"], passages.Select(p => p.Title));
        Assert.Equal([3, 7], passages.Select(p => p.Line));
        Assert.Contains("# not a heading", passages[1].Text);
        Assert.Equal("policy.md#2", passages[1].Id);
    }

    [Fact]
    public void Html_drops_scripts_and_tags_and_splits_by_headings()
    {
        using var dir = new TempFolder(("help.html", "<html><head><title>Help</title></head><body><script>var x=1;</script>\n<h2>Shipping</h2><p>We ship in 2 days &amp; free over $99.</p>\n<h2>Returns</h2><ul><li>30 days</li></ul></body></html>"));
        var passages = DocumentReader.Read(dir.File("help.html"), "help.html");
        Assert.Equal(["Shipping", "Returns"], passages.Select(p => p.Title));
        Assert.Equal("We ship in 2 days & free over $99.", passages[0].Text);
        Assert.DoesNotContain("var x", string.Join(" ", passages.Select(p => p.Text)));
    }

    [Fact]
    public void Long_sections_are_cut_into_passages_of_bounded_length()
    {
        var body = string.Join("\n\n", Enumerable.Range(0, 30).Select(i => $"第{i}段。" + new string('好', 60)));
        using var dir = new TempFolder(("long.txt", body));
        var passages = DocumentReader.Read(dir.File("long.txt"), "long.txt");
        Assert.True(passages.Count >= 5);
        Assert.All(passages, p => Assert.InRange(p.Text.Length, 1, DocumentReader.MaxPassageChars + 70));
    }

    [Fact]
    public void Binary_or_broken_documents_are_errors_at_file_and_line()
    {
        using var dir = new TempFolder(("bad.html", "<p>ok</p>\n<!-- never closed\n<p>x</p>"));
        System.IO.File.WriteAllBytes(dir.File("bin.txt"), [(byte)'a', (byte)'\n', (byte)'b', 0, 1]);
        System.IO.File.WriteAllBytes(dir.File("latin1.md"), [(byte)'a', (byte)'\n', (byte)'\n', 0xE9, (byte)'t', (byte)'e']);
        Assert.Equal("bad.html:2: error: '<!--' is never closed by '-->'", Assert.Throws<KnowledgeFormatException>(() => DocumentReader.Read(dir.File("bad.html"), "bad.html")).Message);
        Assert.StartsWith("bin.txt:2: error: binary content", Assert.Throws<KnowledgeFormatException>(() => DocumentReader.Read(dir.File("bin.txt"), "bin.txt")).Message);
        Assert.StartsWith("latin1.md:3: error: not UTF-8", Assert.Throws<KnowledgeFormatException>(() => DocumentReader.Read(dir.File("latin1.md"), "latin1.md")).Message);
        System.IO.File.WriteAllText(dir.File("manual.pdf"), "%PDF");
        Assert.Contains("not '.pdf'", Assert.Throws<KnowledgeFormatException>(() => DocumentReader.Read(dir.File("manual.pdf"), "manual.pdf")).Message);
    }
}
