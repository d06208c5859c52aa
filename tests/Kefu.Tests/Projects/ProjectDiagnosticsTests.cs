namespace Kefu.Tests.Projects;

/// <summary>Each error path of the loader, with the exact file:line:column a person would jump to.</summary>
public class ProjectDiagnosticsTests
{
    private static IReadOnlyList<string> Diagnose(params (string Path, string Text)[] overrides)
    {
        using var temp = TempProject.Valid(overrides);
        return temp.Diagnose();
    }

    private static void AssertHas(IReadOnlyList<string> lines, string prefix, string words) =>
        Assert.True(lines.Any(l => l.StartsWith(prefix, StringComparison.Ordinal) && l.Contains(words, StringComparison.Ordinal)),
            $"expected '{prefix}' ... '{words}' among:\n{string.Join('\n', lines)}");

    [Fact]
    public void Malformed_yaml_reports_the_parser_position()
    {
        var lines = Diagnose(("data/broken.yml", "nlu:\n- intent: greet\n  examples: |\n    - 嗨\n - bad: [\n"));
        AssertHas(lines, "data/broken.yml:5:2: error: malformed YAML", "did not find expected key");
    }

    [Fact]
    public void Duplicate_keys_are_malformed_yaml()
    {
        var lines = Diagnose(("data/dup_keys.yml", "nlu:\n- intent: greet\n  intent: goodbye\n"));
        AssertHas(lines, "data/dup_keys.yml:3:3: error: malformed YAML", "Duplicate key");
    }

    [Fact]
    public void Annotation_errors_point_into_the_example()
    {
        var lines = Diagnose(("data/more.yml", """
            nlu:
            - intent: greet
              examples: |
                - 查[订单(order_id)
                - 订单]号
                - 查[订单]{"entity": order_id}
                - 查[ ](order_id)
            """));
        AssertHas(lines, "data/more.yml:4:8: error:", "'[' is never closed");
        AssertHas(lines, "data/more.yml:5:9: error:", "']' has no matching '['");
        AssertHas(lines, "data/more.yml:6:12: error:", "annotation JSON is invalid");
        AssertHas(lines, "data/more.yml:7:8: error:", "covers no text");
    }

    [Fact]
    public void Annotation_errors_in_test_story_user_text_point_into_the_text()
    {
        var lines = Diagnose(("tests/test_bad.yml", """
            stories:
            - story: bad annotations
              steps:
              - user: 我的订单号是[DD1(order_id)
                intent: check_order
              - user: |
                  订单 [DD2]{"entity"}
                intent: check_order
            """));
        AssertHas(lines, "tests/test_bad.yml:4:17: error:", "'[' is never closed");
        AssertHas(lines, "tests/test_bad.yml:7:15: error:", "annotation JSON is invalid");
    }

    [Fact]
    public void Entity_outside_the_user_text_is_an_error()
    {
        var lines = Diagnose(("tests/test_bad.yml", """
            stories:
            - story: entity not in text
              steps:
              - user: 你好
                intent: greet
                entities:
                - order_id: DD1
            """));
        AssertHas(lines, "tests/test_bad.yml:7:7: error:", "'DD1', which is not in the user text '你好'");
    }

    [Fact]
    public void Same_example_under_two_intents_is_a_warning_naming_both()
    {
        // Rasa's validator warns (and fails only with --fail-on-warnings); training keeps the first.
        var lines = Diagnose(("data/zz_more.yml", "nlu:\n- intent: goodbye\n  examples: |\n    - 你好\n"));
        AssertHas(lines, "data/zz_more.yml:4:7: warning:", "'你好' is under intent 'goodbye' and also under intent 'greet'");
        AssertHas(lines, "data/zz_more.yml:4:7: warning:", "data/nlu.yml:5:7");
    }

    [Fact]
    public void Endpoints_and_channels_kefu_does_not_use_are_warnings()
    {
        var lines = Diagnose(
            ("endpoints.yml", "version: \"3.1\"\naction_endpoint:\n  url: http://localhost:5055/webhook\ntracker_store:\n  type: sql\nevent_broker:\n  type: kafka\nnlg:\n  url: http://localhost:5056/nlg\n"),
            ("credentials.yml", "rest:\nfacebook:\n  verify: v\nslack:\n  slack_token: x\nfeishu:\n  app_id: a\ndingtalk:\n  app_secret: s\nsocketio:\n  user_message_evt: user_uttered\n"));
        AssertHas(lines, "endpoints.yml:6:1: warning:", "'event_broker' is not used by Kefu, only action_endpoint, llm, tracker_store, lock_store, nlg and privacy are");
        // an NLG server's url is called for every response (CallbackResponseGenerator): nothing to warn about
        Assert.DoesNotContain(lines, l => l.Contains("endpoints.yml:8:"));
        AssertHas(lines, "credentials.yml:2:1: warning:", "the channel 'facebook' is not served by Kefu");
        Assert.DoesNotContain(lines, l => l.Contains("'version'") || l.Contains("'action_endpoint'") || l.Contains("'tracker_store'") || l.Contains("'rest'") || l.Contains("'slack'")
            || l.Contains("'feishu'") || l.Contains("'dingtalk'") || l.Contains("'socketio'"));
    }

    [Fact]
    public void Stories_naming_unknown_intents_actions_and_responses_are_errors()
    {
        var lines = Diagnose(("data/more_stories.yml", """
            stories:
            - story: refund
              steps:
              - intent: refund
              - action: action_refund
              - action: utter_refund
              - slot_was_set:
                - refund_reason: 质量问题
              - active_loop: refund_form
            rules:
            - rule: odd condition
              condition:
              - action: utter_greet
              steps:
              - intent: greet
              - action: action_listen
            """));
        AssertHas(lines, "data/more_stories.yml:4:13: error:", "story 'refund' uses the intent 'refund', which is not in the domain's intents");
        AssertHas(lines, "data/more_stories.yml:5:13: error:", "the action 'action_refund', which is not a built-in action");
        AssertHas(lines, "data/more_stories.yml:6:13: error:", "the response 'utter_refund', which is not in the domain's responses");
        AssertHas(lines, "data/more_stories.yml:8:7: error:", "sets the slot 'refund_reason'");
        AssertHas(lines, "data/more_stories.yml:9:18: error:", "activates the loop 'refund_form'");
        AssertHas(lines, "data/more_stories.yml:13:13: error:", "may only hold active_loop and slot_was_set");
        Assert.DoesNotContain(lines, l => l.Contains("action_listen"));
    }

    [Fact]
    public void Slot_mapping_with_unknown_entity_and_form_with_unknown_slot_are_errors()
    {
        var lines = Diagnose(("domain/extra.yml", """
            slots:
              phone:
                type: text
                mappings:
                  - type: from_entity
                    entity: phone_number
                    conditions:
                      - active_loop: contact_form
                        requested_slot: email
            forms:
              refund_form:
                required_slots:
                  - refund_reason
            responses:
              utter_vip:
                - text: 尊贵的会员
                  condition:
                    - type: slot
                      name: vip
                      value: true
            """));
        AssertHas(lines, "domain/extra.yml:5:9: error:", "filled from the entity 'phone_number'");
        AssertHas(lines, "domain/extra.yml:8:13: error:", "active loop 'contact_form'");
        AssertHas(lines, "domain/extra.yml:8:13: error:", "requested slot 'email'");
        AssertHas(lines, "domain/extra.yml:11:3: error:", "form 'refund_form' requires the slot 'refund_reason'");
        AssertHas(lines, "domain/extra.yml:18:11: error:", "condition on the slot 'vip'");
    }

    [Fact]
    public void Bad_slot_definitions_are_errors()
    {
        var lines = Diagnose(("domain/extra.yml", """
            slots:
              old:
                type: unfeaturized
                mappings: [{type: from_text}]
              tier:
                type: categorical
                mappings: [{type: from_text}]
              anything:
                type: any
                influence_conversation: true
                mappings: [{type: custom}]
              odd:
                type: text
                mappings:
                  - type: from_magic
                  - type: from_intent
                    intent: affirm
            """));
        AssertHas(lines, "domain/extra.yml:3:11: error:", "'unfeaturized'; use 'type: any'");
        AssertHas(lines, "domain/extra.yml:5:3: error:", "categorical slot 'tier' needs a non-empty list of values");
        AssertHas(lines, "domain/extra.yml:10:29: error:", "type any cannot influence the conversation");
        AssertHas(lines, "domain/extra.yml:15:15: error:", "unknown mapping type 'from_magic'");
        AssertHas(lines, "domain/extra.yml:16:9: error:", "needs 'value:'");
    }

    [Fact]
    public void Unknown_keys_are_warnings_that_name_them()
    {
        var lines = Diagnose(
            ("domain/extra.yml", "colour: red\nslots:\n  note:\n    type: text\n    mappings: [{type: from_text}]\n    colour: blue\n"),
            ("data/extra.yml", "nlu:\n- intent: greet\n  examples: |\n    - 早上好\n  colour: green\nsettings: {}\n"));
        AssertHas(lines, "domain/extra.yml:1:1: warning:", "unknown key 'colour' in the domain");
        AssertHas(lines, "domain/extra.yml:6:5: warning:", "unknown key 'colour' in slot 'note'");
        AssertHas(lines, "data/extra.yml:5:3: warning:", "unknown key 'colour' in an nlu intent");
        AssertHas(lines, "data/extra.yml:6:1: warning:", "unknown key 'settings' in a training data file");
        Assert.DoesNotContain(lines, l => l.Contains(": error:"));
    }

    [Fact]
    public void Unsupported_components_and_policies_are_warnings_that_name_them()
    {
        var lines = Diagnose(("config.yml", """
            recipe: default.v1
            language: zh
            pipeline:
              - name: SpacyNLP
              - name: DIETClassifier
            policies:
              - name: TEDPolicy
              - name: UnexpecTEDIntentPolicy
              - name: MyCustomPolicy
            importers: []
            """));
        AssertHas(lines, "config.yml:4:11: warning:", "component 'SpacyNLP' is not supported");
        AssertHas(lines, "config.yml:7:11: warning:", "TEDPolicy is approximated");
        AssertHas(lines, "config.yml:8:11: warning:", "UnexpecTEDIntentPolicy is not supported");
        AssertHas(lines, "config.yml:9:11: warning:", "policy 'MyCustomPolicy' is not supported");
        AssertHas(lines, "config.yml:10:1: warning:", "unknown key 'importers'");
        Assert.DoesNotContain(lines, l => l.Contains("DIETClassifier"));
    }

    [Fact]
    public void Responses_without_anything_to_send_are_errors()
    {
        var lines = Diagnose(("domain/extra.yml", """
            responses:
              utter_empty:
              utter_blank:
                - channel: wechat
              utter_button:
                - text: 选一个
                  buttons:
                    - title: 是
            """));
        AssertHas(lines, "domain/extra.yml:2:3: error:", "'utter_empty' has no variations");
        AssertHas(lines, "domain/extra.yml:4:7: error:", "has nothing to send");
        AssertHas(lines, "domain/extra.yml:8:11: error:", "needs both 'title'");
    }
}
