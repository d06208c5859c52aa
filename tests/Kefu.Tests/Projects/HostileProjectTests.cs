using System.CommandLine;
using Kefu.Cli.Commands;
using Kefu.Models;
using Kefu.Projects;

namespace Kefu.Tests.Projects;

/// <summary>
/// Every hostile input of <see cref="HostileProjects"/> through the three ways a project is read: `kefu data validate`,
/// `kefu train`, and the loading `kefu serve` does (TrainedBot.LoadOrTrain). Each must end in a diagnostic at the
/// file and line, not a crash, and soon: the bound is generous, it only turns a hang into a failure.
/// </summary>
public class HostileProjectTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    internal static T Within<T>(Func<T> run)
    {
        var task = Task.Run(run);
        Assert.True(task.Wait(Bound), $"did not finish within {Bound.TotalSeconds} s");
        return task.Result;
    }

    private static TempProject Apply(HostileCase hostile)
    {
        var project = TempProject.Valid();
        hostile.Apply(project);
        return project;
    }

    private static string Expected(TempProject temp, HostileCase hostile) =>
        $"{Path.Combine(temp.Dir, hostile.File)}:{hostile.Line}:";

    private static void AssertReported(IEnumerable<string> lines, string prefix, HostileCase hostile, bool? asError = null)
    {
        string severity = asError ?? hostile.IsError ? ": error: " : ": warning: ";
        var all = lines.ToList();
        Assert.True(all.Any(l => l.StartsWith(prefix, StringComparison.Ordinal) && l.Contains(severity, StringComparison.Ordinal)
                                 && l.Contains(hostile.Message, StringComparison.Ordinal)),
            $"expected '{prefix}{severity}...{hostile.Message}' among:\n{string.Join('\n', all.Take(40))}");
        Assert.All(all, l => Assert.True(l.Length < 1200, "a diagnostic of " + l.Length + " characters"));
        Assert.DoesNotContain(all, l => l.Contains("SECRET-LINE", StringComparison.Ordinal) || l.Contains(new string('x', 100), StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(HostileProjects.Names), MemberType = typeof(HostileProjects))]
    public void Reading_reports_it_at_its_file_and_line(string name)
    {
        var hostile = HostileProjects.Named(name);
        using var temp = Apply(hostile);
        var project = Within(() => RasaProject.Read(temp.Dir));
        AssertReported(temp.Lines(project.Diagnostics), $"{hostile.File}:{hostile.Line}:", hostile);
        Assert.Equal(hostile.IsError, project.Diagnostics.Any(d => d.Severity == Severity.Error));
    }

    [Theory]
    [MemberData(nameof(HostileProjects.Names), MemberType = typeof(HostileProjects))]
    public void Data_validate_prints_it_and_exits_one_on_errors(string name)
    {
        var hostile = HostileProjects.Named(name);
        using var temp = Apply(hostile);
        var output = new StringWriter();
        int code = Within(() => new RootCommand { DataCommands.Create() }.Parse(["data", "validate", temp.Dir])
            .Invoke(new InvocationConfiguration { Output = output }));
        AssertReported(output.ToString().Split('\n'), Expected(temp, hostile), hostile);
        Assert.Equal(hostile.IsError ? 1 : 0, code);
    }

    [Theory]
    [MemberData(nameof(HostileProjects.Names), MemberType = typeof(HostileProjects))]
    public void Train_prints_it_and_trains_only_without_errors(string name)
    {
        var hostile = HostileProjects.Named(name);
        using var temp = Apply(hostile);
        var (output, error) = (new StringWriter(), new StringWriter());
        string model = temp.PathOf("models/model.kefu");
        int code = Within(() => new RootCommand { TrainCommand.Create() }.Parse(["train", "--project", temp.Dir, "--out", model])
            .Invoke(new InvocationConfiguration { Output = output, Error = error }));
        AssertReported(error.ToString().Split('\n'), Expected(temp, hostile), hostile, asError: !hostile.Trains);
        Assert.Equal(hostile.Trains ? 0 : 1, code);
        Assert.Equal(hostile.Trains, File.Exists(model));
    }

    [Theory]
    [MemberData(nameof(HostileProjects.Names), MemberType = typeof(HostileProjects))]
    public void Loading_for_serve_throws_the_diagnostics_or_loads(string name)
    {
        var hostile = HostileProjects.Named(name);
        using var temp = Apply(hostile);
        var outcome = Within(() =>
        {
            try
            {
                return (Bot: TrainedBot.LoadOrTrain(temp.Dir, null), Error: (ProjectException?)null);
            }
            catch (ProjectException e)
            {
                return (Bot: (TrainedBot?)null, Error: e);
            }
        });
        if (!hostile.Trains)
        {
            Assert.NotNull(outcome.Error);
            AssertReported(temp.Lines(outcome.Error.Diagnostics), $"{hostile.File}:{hostile.Line}:", hostile, asError: true);
        }
        else
        {
            Assert.NotNull(outcome.Bot);
            AssertReported(temp.Lines(outcome.Bot.Project.Diagnostics), $"{hostile.File}:{hostile.Line}:", hostile);
        }
    }

    [Fact]
    public void A_model_archive_leaves_out_links_that_loop_or_leave_the_project()
    {
        if (OperatingSystem.IsWindows()) return; // the link cases are not generated there
        using var temp = TempProject.Valid();
        HostileProjects.Named("a folder link loop (data/loop -> ..)").Apply(temp);
        HostileProjects.Named("a link to a folder outside").Apply(temp);
        var files = DialogueComponent.ProjectFiles(temp.Dir);
        Assert.Contains("data/nlu.yml", files);
        Assert.DoesNotContain(files, f => f.StartsWith("data/loop", StringComparison.Ordinal) || f.StartsWith("data/outside", StringComparison.Ordinal));
    }
}
