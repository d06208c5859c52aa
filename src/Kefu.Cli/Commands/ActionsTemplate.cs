using System.Security;
using Kefu.Dialogue.Actions;

namespace Kefu.Cli.Commands;

/// <summary>
/// The actions/ project `kefu init` writes beside the bot (docs/actions.md): a class library referencing the Kefu.Sdk.dll
/// of the kefu that wrote it, an example action and an example form validation. kefu builds it with its own Kefu.Sdk.dll
/// (the KefuSdkPath property); the path written here serves builds of one's own (an IDE, `dotnet build`).
/// </summary>
internal static class ActionsTemplate
{
    public const string ProjectFile = "Actions.csproj";

    /// <summary>
    /// The files, relative to the bot project: the csproj, then the template's own actions when it has some (ecommerce-zh's,
    /// embedded from samples/ecommerce-zh/actions), else the two examples, with messages in the template's language.
    /// </summary>
    public static IReadOnlyList<(string Path, string Text)> Files(string template)
    {
        var csproj = ($"{ActionsProject.Folder}/{ProjectFile}", Csproj(ActionsProject.SdkAssemblyPath));
        var prefix = $"actions/{template}/";
        var assembly = typeof(ActionsTemplate).Assembly;
        var own = assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        if (own.Count > 0)
            return [csproj, .. own.Select(name => ($"{ActionsProject.Folder}/{name[prefix.Length..]}", Read(assembly, name)))];
        bool chinese = template.EndsWith("-zh", StringComparison.Ordinal);
        return
        [
            csproj,
            ($"{ActionsProject.Folder}/HelloWorldAction.cs", HelloWorld(chinese ? "你好，世界！" : "Hello World!")),
            ($"{ActionsProject.Folder}/ValidateContactForm.cs", ValidateContactForm(chinese ? "这看起来不是电话号码，请再输入一次。" : "That does not look like a phone number; please try again.")),
        ];
    }

    private static string Read(System.Reflection.Assembly assembly, string name)
    {
        using var reader = new StreamReader(assembly.GetManifestResourceStream(name)!);
        return reader.ReadToEnd();
    }

    private static string Csproj(string sdkPath) => $"""
        <Project Sdk="Microsoft.NET.Sdk">
          <!-- The bot's C# custom actions (Kefu's docs/actions.md). kefu train, serve, shell and test build this project and run
               its actions in process; `kefu run actions` serves them to Rasa as an action server. An action runs when
               domain.yml lists its name under actions:. -->
          <PropertyGroup>
            <TargetFramework>net10.0</TargetFramework>
            <Nullable>enable</Nullable>
            <ImplicitUsings>enable</ImplicitUsings>
            <!-- kefu passes the Kefu.Sdk.dll it runs with; a build of your own (an IDE, dotnet build) uses this one, of the kefu
                 that wrote this file. After moving or updating kefu, change it (or pass -p:KefuSdkPath=...). -->
            <KefuSdkPath Condition="'$(KefuSdkPath)' == ''">{SecurityElement.Escape(sdkPath)}</KefuSdkPath>
          </PropertyGroup>
          <ItemGroup>
            <!-- Private=false: not copied beside the actions; they always run against the Kefu.Sdk of the kefu that loads them. -->
            <Reference Include="Kefu.Sdk" HintPath="$(KefuSdkPath)" Private="false" />
          </ItemGroup>
        </Project>

        """;

    private static string HelloWorld(string text) => $$"""
        using Kefu.Sdk;

        namespace Actions;

        /// <summary>
        /// An example custom action (Rasa SDK's ActionHelloWorld): list action_hello_world under actions: in domain.yml and use
        /// it in a rule or a story to have it run.
        /// </summary>
        public sealed class HelloWorldAction : CustomAction
        {
            public override string Name => "action_hello_world";

            public override Task<IReadOnlyList<ActionEvent>> RunAsync(CollectingDispatcher dispatcher, Tracker tracker, Domain domain)
            {
                dispatcher.UtterMessage(text: "{{text}}");
                return Done();
            }
        }

        """;

    private static string ValidateContactForm(string rejected) => $$"""
        using System.Text.Json;
        using Kefu.Sdk;

        namespace Actions;

        /// <summary>
        /// An example form validation (Rasa SDK's FormValidationAction): the action validate_contact_form, which a form named
        /// contact_form with a slot phone runs after each message that filled a slot. A method validate_{slot} keeps, changes or
        /// rejects (null) the slot's new value; extract_{slot} methods fill slots of custom mappings.
        /// </summary>
        public sealed class ValidateContactForm : FormValidationAction
        {
            public override string FormName => "contact_form";

            /// <summary>7 to 15 digits once spaces and dashes are dropped; anything else is rejected and the form asks again.</summary>
            public IReadOnlyDictionary<string, object?> validate_phone(JsonElement? value, CollectingDispatcher dispatcher, Tracker tracker, Domain domain)
            {
                var digits = new string((JsonValues.Text(value) ?? "").Where(c => c is not (' ' or '-')).ToArray());
                if (digits.Length is >= 7 and <= 15 && digits.All(char.IsAsciiDigit))
                    return new Dictionary<string, object?> { ["phone"] = digits };
                dispatcher.UtterMessage(text: "{{rejected}}");
                return new Dictionary<string, object?> { ["phone"] = null };
            }
        }

        """;
}
