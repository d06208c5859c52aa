namespace Kefu.Tests.Projects;

/// <summary>A tiny but complete Rasa 3.x project (Chinese customer service); tests rely on its exact line numbers.</summary>
internal static class SampleProject
{
    public const string Domain = """
        version: "3.1"
        intents:
          - greet
          - check_order:
              use_entities: [order_id]
          - goodbye
          - affirm
          - chitchat:
              ignore_entities: [order_id]
        entities:
          - order_id
          - city:
              roles: [from, to]
        slots:
          order_id:
            type: text
            mappings:
              - type: from_entity
                entity: order_id
                conditions:
                  - active_loop: order_form
                    requested_slot: order_id
          confirmed:
            type: bool
            influence_conversation: true
            mappings:
              - type: from_intent
                intent: affirm
                value: true
          level:
            type: categorical
            values: [gold, silver]
            initial_value: silver
            mappings:
              - type: custom
                action: action_check_order
          score:
            type: float
            min_value: 0
            max_value: 5
            mappings:
              - type: from_text
                not_intent: [greet]
        responses:
          utter_greet:
            - text: "您好！有什么可以帮您？"
            - text: "您好，订单 {order_id} 的问题吗？"
              condition:
                - type: slot
                  name: order_id
                  value: null
              buttons:
                - title: 查订单
                  payload: /check_order
          utter_ask_order_id:
            - text: 请提供订单号
              channel: wechat
              custom:
                card: {title: 订单, count: 2}
          utter_goodbye:
            - text: 再见
        forms:
          order_form:
            required_slots:
              - order_id
            ignored_intents: chitchat
        actions:
          - action_check_order
          - action_handoff:
              send_domain: true
        session_config:
          session_expiration_time: 30
          carry_over_slots_to_new_session: false
        """;

    public const string Config = """
        recipe: default.v1
        language: zh
        assistant_id: kefu-test
        pipeline:
          - name: JiebaTokenizer
          - name: CountVectorsFeaturizer
            analyzer: char_wb
            min_ngram: 1
            max_ngram: 4
          - name: DIETClassifier
            epochs: 100
            constrain_similarities: true
        policies:
          - name: RulePolicy
            core_fallback_threshold: 0.3
          - name: MemoizationPolicy
            max_history: 5
        """;

    public const string Nlu = """
        version: "3.1"
        nlu:
        - intent: greet
          examples: |
            - 你好
            - 在吗
        - intent: check_order
          examples: |
            - 我的订单号是[DD20240101](order_id)
            - 查一下[DD2024]{"entity": "order_id"}的物流
            - 从[北京]{"entity": "city", "role": "from", "value": "北京市"}寄出的订单
        - intent: goodbye
          examples: |
            - 再见
        - intent: affirm
          examples: |
            - 对的
        - intent: chitchat
          examples: |
            - 你是机器人吗
        - synonym: 北京市
          examples: |
            - 帝都
        - regex: order_id
          examples: |
            - DD\d{8}
        - lookup: city
          examples: |
            - 上海
            - 广州
        """;

    public const string Stories = """
        version: "3.1"
        stories:
        - story: check order
          steps:
          - intent: greet
          - action: utter_greet
          - intent: check_order
            entities:
            - order_id: DD20240101
          - action: order_form
          - active_loop: order_form
          - slot_was_set:
            - order_id: DD20240101
            - requested_slot: null
          - active_loop: null
          - action: action_check_order
          - checkpoint: checked
        - story: after check
          steps:
          - checkpoint: checked
          - or:
            - intent: affirm
            - intent: goodbye
          - action: utter_goodbye
        """;

    public const string Rules = """
        version: "3.1"
        rules:
        - rule: greet at start
          conversation_start: true
          steps:
          - intent: greet
          - action: utter_greet
        - rule: submit form
          condition:
          - active_loop: order_form
          - slot_was_set:
            - confirmed: true
          steps:
          - action: order_form
          - active_loop: null
          - action: action_check_order
          wait_for_user_input: false
        """;

    public const string TestStories = """
        stories:
        - story: order status
          steps:
          - user: |
              我的订单号是[DD20240101](order_id)
            intent: check_order
          - action: order_form
          - user: 再见
            intent: goodbye
          - action: utter_goodbye
        """;
}
