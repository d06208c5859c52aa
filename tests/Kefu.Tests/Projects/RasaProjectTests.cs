using System.Text.Json;
using Kefu.Nlu;
using Kefu.Projects;

namespace Kefu.Tests.Projects;

public class RasaProjectTests
{
    [Fact]
    public void A_complete_small_project_loads_without_diagnostics()
    {
        using var temp = TempProject.Valid();
        var project = RasaProject.Load(temp.Dir);
        Assert.Empty(temp.Lines(project.Diagnostics));
        Assert.Equal(8, project.Nlu.Examples.Count);
        Assert.Equal(2, project.Stories.Count);
        Assert.Equal(2, project.Rules.Count);
        Assert.Single(project.TestStories);
    }

    [Fact]
    public void Domain_is_read_into_typed_records()
    {
        using var temp = TempProject.Valid();
        var domain = RasaProject.Load(temp.Dir).Domain;

        Assert.Equal("3.1", domain.Version);
        Assert.Equal(["greet", "check_order", "goodbye", "affirm", "chitchat"], domain.Intents.Select(i => i.Name));
        var checkOrder = domain.FindIntent("check_order")!;
        Assert.Equal(EntityUse.Listed, checkOrder.UseEntities);
        Assert.True(checkOrder.Uses("order_id"));
        Assert.False(checkOrder.Uses("city"));
        Assert.False(domain.FindIntent("chitchat")!.Uses("order_id"));
        Assert.True(domain.FindIntent("greet")!.Uses("order_id"));
        Assert.Equal(["from", "to"], domain.FindEntity("city")!.Roles);

        var orderId = domain.FindSlot("order_id")!;
        Assert.Equal(SlotType.Text, orderId.Type);
        Assert.True(orderId.InfluenceConversation);
        Assert.Equal((15, 3), (orderId.Location.Line, orderId.Location.Column));
        var fromEntity = Assert.IsType<FromEntityMapping>(Assert.Single(orderId.Mappings));
        Assert.Equal("order_id", fromEntity.Entity);
        var condition = Assert.Single(fromEntity.Conditions);
        Assert.Equal(("order_form", "order_id"), (condition.ActiveLoop, condition.RequestedSlot));

        var fromIntent = Assert.IsType<FromIntentMapping>(Assert.Single(domain.FindSlot("confirmed")!.Mappings));
        Assert.Equal(JsonValueKind.True, fromIntent.Value.ValueKind);
        Assert.Equal(["affirm"], fromIntent.Intent);
        var level = domain.FindSlot("level")!;
        Assert.Equal(["gold", "silver"], level.Values);
        Assert.Equal("silver", level.InitialValue!.Value.GetString());
        Assert.Equal("action_check_order", Assert.IsType<CustomMapping>(Assert.Single(level.Mappings)).Action);
        var score = domain.FindSlot("score")!;
        Assert.Equal((0.0, 5.0), (score.MinValue, score.MaxValue));
        Assert.Equal(["greet"], Assert.IsType<FromTextMapping>(Assert.Single(score.Mappings)).NotIntent);

        var greet = domain.FindResponse("utter_greet")!;
        Assert.Equal(2, greet.Variations.Count);
        var conditional = greet.Variations[1];
        var slotCondition = Assert.Single(conditional.Conditions);
        Assert.Equal("order_id", slotCondition.Slot);
        Assert.Equal(JsonValueKind.Null, slotCondition.Value.ValueKind);
        Assert.Equal(new ResponseButton("查订单", "/check_order"), Assert.Single(conditional.Buttons));
        var ask = Assert.Single(domain.FindResponse("utter_ask_order_id")!.Variations);
        Assert.Equal("wechat", ask.Channel);
        Assert.Equal("""{"card":{"title":"订单","count":2}}""", JsonSerializer.Serialize(ask.Custom!.Value, new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));

        var form = domain.FindForm("order_form")!;
        Assert.Equal(["order_id"], form.RequiredSlots);
        Assert.Equal(["chitchat"], form.IgnoredIntents);
        Assert.Equal(["action_check_order", "action_handoff"], domain.Actions.Select(a => a.Name));
        Assert.True(domain.Actions[1].SendDomain);
        Assert.Equal(new SessionConfig(30, false), domain.SessionConfig);
        Assert.True(domain.IsKnownAction("order_form"));
        Assert.True(domain.IsKnownAction("utter_goodbye"));
        Assert.True(domain.IsKnownAction("action_restart"));
        Assert.False(domain.IsKnownAction("action_nope"));
    }

    [Fact]
    public void Config_keeps_component_options_typed()
    {
        using var temp = TempProject.Valid();
        var config = RasaProject.Load(temp.Dir).Config;
        Assert.Equal(("default.v1", "zh", "kefu-test"), (config.Recipe, config.Language, config.AssistantId));
        Assert.Equal(["JiebaTokenizer", "CountVectorsFeaturizer", "DIETClassifier"], config.Pipeline.Select(c => c.Name));
        var vectors = config.FindComponent("CountVectorsFeaturizer")!.Options;
        Assert.Equal("char_wb", vectors.GetString("analyzer"));
        Assert.Equal(4, vectors.GetInt("max_ngram", 1));
        Assert.Equal(7, vectors.GetInt("absent", 7));
        Assert.True(config.FindComponent("DIETClassifier")!.Options.GetBool("constrain_similarities", false));
        Assert.Equal(0.3, config.FindPolicy("RulePolicy")!.Options.GetDouble("core_fallback_threshold", 0));
        Assert.Equal(5, config.FindPolicy("MemoizationPolicy")!.Options.GetInt("max_history", 0));
    }

    [Fact]
    public void Stories_rules_and_test_stories_keep_every_step_kind()
    {
        using var temp = TempProject.Valid();
        var project = RasaProject.Load(temp.Dir);

        var story = project.Stories[0];
        Assert.Equal("check order", story.Name);
        Assert.Equal(
            [typeof(UserStep), typeof(ActionStep), typeof(UserStep), typeof(ActionStep), typeof(ActiveLoopStep),
             typeof(SlotWasSetStep), typeof(SlotWasSetStep), typeof(ActiveLoopStep), typeof(ActionStep), typeof(CheckpointStep)],
            story.Steps.Select(s => s.GetType()));
        var user = (UserStep)story.Steps[2];
        Assert.Equal("check_order", user.Intent);
        Assert.Equal(new StepEntity("order_id", "DD20240101", null, null), Assert.Single(user.Entities));
        Assert.Equal(7, user.Location.Line);
        Assert.Equal(13, user.Location.Column);
        Assert.Equal("order_form", ((ActiveLoopStep)story.Steps[4]).Name);
        Assert.Null(((ActiveLoopStep)story.Steps[7]).Name);
        var set = (SlotWasSetStep)story.Steps[5];
        Assert.Equal(("order_id", "DD20240101"), (set.Slot, set.Value!.Value.GetString()));
        Assert.Equal(JsonValueKind.Null, ((SlotWasSetStep)story.Steps[6]).Value!.Value.ValueKind);

        var or = Assert.IsType<OrStep>(project.Stories[1].Steps[1]);
        Assert.Equal(["affirm", "goodbye"], or.Alternatives.Cast<UserStep>().Select(u => u.Intent));

        var greetRule = project.Rules[0];
        Assert.True(greetRule.ConversationStart);
        Assert.True(greetRule.WaitForUserInput);
        var submit = project.Rules[1];
        Assert.False(submit.ConversationStart);
        Assert.False(submit.WaitForUserInput);
        Assert.Equal([typeof(ActiveLoopStep), typeof(SlotWasSetStep)], submit.Condition.Select(s => s.GetType()));
        Assert.Equal(3, submit.Steps.Count);

        var test = Assert.Single(project.TestStories);
        var said = (UserStep)test.Steps[0];
        Assert.Equal(("check_order", "我的订单号是DD20240101"), (said.Intent, said.Text));
        Assert.Equal(new EntitySpan(6, 16, "order_id", "DD20240101"), Assert.Single(said.Annotations));
        Assert.Equal(new StepEntity("order_id", "DD20240101", null, null), Assert.Single(said.Entities));
        Assert.Equal("再见", ((UserStep)test.Steps[2]).Text);
    }

    [Fact]
    public void Story_entities_take_rasa_forms_with_roles()
    {
        using var temp = TempProject.Valid(("data/travel.yml", """
            stories:
            - story: ship between cities
              steps:
              - intent: /check_order
                entities:
                - city: 上海
                  role: to
                - order_id
              - action: action_check_order
            """));
        var project = RasaProject.Read(temp.Dir);
        var user = (UserStep)project.Stories.Single(s => s.Name == "ship between cities").Steps[0];
        Assert.Equal("check_order", user.Intent);
        Assert.Equal([new StepEntity("city", "上海", "to", null), new StepEntity("order_id", null, null, null)], user.Entities);
        Assert.Equal(["data/travel.yml:4:13: warning: the intent '/check_order' starts with '/', which is not needed; it is read as 'check_order'"],
            temp.Lines(project.Diagnostics));
    }

    [Fact]
    public void Domain_folder_files_are_merged_with_domain_yml()
    {
        using var temp = TempProject.Valid(("domain/refund.yml", """
            intents:
              - greet
              - refund
            responses:
              utter_refund:
                - text: 好的，马上为您退款
            """), ("data/refund.yml", """
            nlu:
            - intent: refund
              examples: |
                - 我要退款
            """));
        var domain = RasaProject.Load(temp.Dir).Domain;
        Assert.Equal(["greet", "check_order", "goodbye", "affirm", "chitchat", "refund"], domain.Intents.Select(i => i.Name));
        Assert.NotNull(domain.FindResponse("utter_refund"));
    }

    [Fact]
    public void Retrieval_intents_and_their_responses_are_known()
    {
        using var temp = TempProject.Valid(
            ("domain/faq.yml", "intents:\n  - faq\n"),
            ("data/faq.yml", """
                nlu:
                - intent: faq/ask_hours
                  examples: |
                    - 几点上班
                responses:
                  utter_faq/ask_hours:
                    - text: 早九点到晚九点
                rules:
                - rule: faq
                  steps:
                  - intent: faq
                  - action: utter_faq
                """));
        var project = RasaProject.Load(temp.Dir);
        Assert.Empty(temp.Lines(project.Diagnostics));
        Assert.Equal("几点上班", Assert.Single(project.Nlu.Examples, e => e.Intent == "faq/ask_hours").Text);
        Assert.NotNull(project.Domain.FindResponse("utter_faq/ask_hours"));
    }

    [Fact]
    public void Errors_throw_a_project_exception_with_all_of_them()
    {
        using var temp = TempProject.Valid(
            ("data/bad_nlu.yml", "nlu:\n- intent: greet\n  examples: |\n    - 查[订单(order_id)\n"),
            ("data/bad_stories.yml", "stories:\n- story: s\n  steps:\n  - intent: refund\n"));
        var error = Assert.Throws<ProjectException>(() => RasaProject.Load(temp.Dir));
        Assert.Equal(2, error.Diagnostics.Count(d => d.Severity == Severity.Error));
        Assert.Contains("bad_nlu.yml:4:8: error", error.Message);
        Assert.Contains("bad_stories.yml:4:13: error", error.Message);
    }

    [Fact]
    public void A_folder_without_domain_is_an_error()
    {
        using var temp = new TempProject(("data/nlu.yml", SampleProject.Nlu));
        Assert.Contains(temp.Diagnose(), l => l.StartsWith("domain.yml:1:1: error: the project has no domain.yml"));
    }
}
