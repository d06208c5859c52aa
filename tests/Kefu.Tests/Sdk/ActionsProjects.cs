using Kefu.Tests.Projects;

namespace Kefu.Tests.Sdk;

/// <summary>Bot projects' actions/ folders written by tests: a class library referencing the tests' own Kefu.Sdk.dll by path.</summary>
internal static class ActionsProjects
{
    public static string Csproj => $"""
        <Project Sdk="Microsoft.NET.Sdk">
          <PropertyGroup>
            <TargetFramework>net10.0</TargetFramework>
            <Nullable>enable</Nullable>
            <ImplicitUsings>enable</ImplicitUsings>
          </PropertyGroup>
          <ItemGroup>
            <Reference Include="Kefu.Sdk" HintPath="{typeof(Kefu.Sdk.CustomAction).Assembly.Location}" Private="false" />
          </ItemGroup>
        </Project>
        """;

    /// <summary>action_greet: says hello to the `name` slot with the order ids of the latest message, sets `greeted`; action_refuse rejects.</summary>
    public const string Greet = """
        using Kefu.Sdk;

        namespace TestActions;

        public sealed class GreetAction : CustomAction
        {
            public override string Name => "action_greet";

            public override Task<IReadOnlyList<ActionEvent>> RunAsync(CollectingDispatcher dispatcher, Tracker tracker, Domain domain)
            {
                var orders = string.Join(",", tracker.GetLatestEntityValues("order_id"));
                dispatcher.UtterMessage(text: $"你好，{tracker.GetSlotText("name") ?? "朋友"}！订单：{orders}");
                return Done(new SlotSet("greeted", true));
            }
        }

        public sealed class RefuseAction : CustomAction
        {
            public override string Name => "action_refuse";

            public override Task<IReadOnlyList<ActionEvent>> RunAsync(CollectingDispatcher dispatcher, Tracker tracker, Domain domain) =>
                throw new ActionExecutionRejection(Name, "not now");
        }
        """;

    public static void Write(TempProject project, string source, string file = "Actions.cs")
    {
        project.Write("actions/TestActions.csproj", Csproj);
        project.Write($"actions/{file}", source);
    }
}
