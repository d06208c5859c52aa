using Kefu.Dialogue;
using Kefu.Dialogue.Actions;
using Kefu.Dialogue.Policies;
using Kefu.Nlu;
using Kefu.Projects;
using Kefu.Tests.Projects;

namespace Kefu.Tests.Dialogue;

/// <summary>A small Rasa project written by the tests: a greeting, a two-slot return form, FAQ answers, handoff.</summary>
public static class TinyShop
{
    public const string Domain = """
        version: "3.1"
        intents: [greet, goodbye, return_refund, inform_order_id, inform_reason, delivery_time, stop, request_human, boom, restart]
        entities: [order_id, reason]
        slots:
          order_id:
            type: text
            influence_conversation: false
            mappings:
              - type: from_entity
                entity: order_id
          vip:
            type: bool
            influence_conversation: false
            mappings:
              - type: custom
                action: action_lookup_vip
          reason:
            type: text
            influence_conversation: false
            mappings:
              - type: from_entity
                entity: reason
                conditions:
                  - active_loop: return_form
                    requested_slot: reason
        forms:
          return_form:
            required_slots: [order_id, reason]
        actions: [action_submit_return, action_boom, action_lookup_vip]
        responses:
          utter_greet:
            - text: 您好，我是小客，有什么可以帮您？
          utter_goodbye:
            - text: 再见，祝您生活愉快！
          utter_ask_order_id:
            - text: 请提供您的订单号。
          utter_ask_reason:
            - text: 请问退货原因是什么？
          utter_delivery_time:
            - text: 一般 48 小时内发货。
          utter_form_stopped:
            - text: 好的，已为您取消退货申请。
          utter_handoff:
            - text: 正在为您转接人工客服，请稍候。
          utter_handback:
            - text: 人工客服已结束，小客继续为您服务。
          utter_default:
            - text: 抱歉，我没听懂。
        session_config:
          session_expiration_time: 60
          carry_over_slots_to_new_session: true
        """;

    public const string Rules = """
        version: "3.1"
        rules:
          - rule: greet
            steps:
              - intent: greet
              - action: utter_greet
          - rule: goodbye
            steps:
              - intent: goodbye
              - action: utter_goodbye
          - rule: delivery time
            steps:
              - intent: delivery_time
              - action: utter_delivery_time
          - rule: activate return form
            steps:
              - intent: return_refund
              - action: return_form
              - active_loop: return_form
          - rule: submit return form
            condition:
              - active_loop: return_form
            steps:
              - action: return_form
              - active_loop: null
              - slot_was_set:
                  - requested_slot: null
              - action: action_submit_return
          - rule: stop the return form
            condition:
              - active_loop: return_form
            steps:
              - intent: stop
              - action: action_deactivate_loop
              - active_loop: null
              - slot_was_set:
                  - requested_slot: null
              - action: utter_form_stopped
          - rule: human
            steps:
              - intent: request_human
              - action: action_handoff
          - rule: boom
            steps:
              - intent: boom
              - action: action_boom
        """;

    public const string Config = """
        recipe: default.v1
        language: zh
        pipeline: []
        policies:
          - name: RulePolicy
          - name: MemoizationPolicy
        """;

    /// <summary>Loads the project from a temp folder that is gone again on return: Load reads every file up front.</summary>
    public static RasaProject WriteAndLoad(string rules = Rules, string stories = "version: \"3.1\"\nstories: []\n")
    {
        using var folder = new TempProject("kefu-tinyshop-",
            ("domain.yml", Domain), ("config.yml", Config), ("data/rules.yml", rules), ("data/stories.yml", stories));
        return RasaProject.Load(folder.Dir);
    }

    /// <summary>An NLU that only understands /intent payloads; the agent parses those itself.</summary>
    private sealed class NoNlu : IMessageParser
    {
        public NluParse Parse(string text) =>
            new(text, new IntentPrediction("nlu_fallback", 0f), [], []);
    }

    public static DialogueAgent Agent(IEventStore? store = null, AgentOptions? options = null, params IAction[] more) =>
        Agent(WriteAndLoad(), store, options, more);

    public static DialogueAgent Agent(RasaProject project, IEventStore? store = null, AgentOptions? options = null, params IAction[] more)
    {
        var submit = new DelegateAction("action_submit_return", c =>
            [new Kefu.Dialogue.Tracking.BotUttered(new BotMessage($"退货已提交：{c.Tracker.State.SlotText("order_id")}，原因：{c.Tracker.State.SlotText("reason")}"))]);
        var boom = new DelegateAction("action_boom", _ => throw new InvalidOperationException("database down"));
        var vip = new DelegateAction("action_lookup_vip", c =>
            [new Kefu.Dialogue.Tracking.SlotSet("vip", System.Text.Json.JsonSerializer.SerializeToElement(c.Tracker.ConversationId.StartsWith("vip", StringComparison.Ordinal)))]);
        return BotFactory.CreateAgent(project.Domain, new NoNlu(), PolicyModel.Train(project), store ?? new InMemoryEventStore(), [submit, boom, vip, .. more], options: options);
    }
}
