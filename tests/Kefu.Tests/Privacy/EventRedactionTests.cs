using System.Text.Json;
using Kefu.Dialogue;
using Kefu.Dialogue.Tracking;
using Kefu.Nlu;
using Kefu.Privacy;

namespace Kefu.Tests.Privacy;

/// <summary>What docs/privacy.md, "Where the masks apply", says of each event.</summary>
public sealed class EventRedactionTests
{
    private static readonly PrivacySettings Settings = PrivacySettings.Default with { KeepSlots = new HashSet<string> { "kept" } };

    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();

    [Fact]
    public void Entities_are_masked_and_duckling_values_that_repeat_them_dropped()
    {
        var info = Json("""{"value":"13812345678","type":"value"}""");
        var parse = new NluParse("电话13812345678，明天", new IntentPrediction("inform", 1f), [],
        [
            new EntitySpan(2, 13, "phone-number", "13812345678") { Extractor = "DucklingEntityExtractor", AdditionalInfo = info },
            new EntitySpan(14, 16, "time", "2026-12-07") { Extractor = "DucklingEntityExtractor", AdditionalInfo = Json("""{"value":"2026-12-07"}""") },
        ]);
        var user = (UserUttered)EventRedaction.Redact(new UserUttered("电话13812345678，明天", parse), Settings);

        Assert.Equal("电话[phone]，明天", user.Text);
        Assert.Equal("电话[phone]，明天", user.Parse!.Text);
        Assert.Equal("[phone]", user.Parse.Entities[0].Value);
        Assert.Null(user.Parse.Entities[0].AdditionalInfo);
        Assert.Same(parse.Entities[1], user.Parse.Entities[1]);
    }

    [Fact]
    public void Bot_text_buttons_and_custom_payloads_are_masked()
    {
        var message = new BotMessage("卡号 6222020200112233446 对吗？",
            Buttons: [new BotButton("是 6222020200112233446", """/affirm{"card":"6222020200112233446"}"""), new BotButton("不是", "/deny")],
            Custom: Json("""{"card":"6222020200112233446","n":[13812345678]}"""));
        var bot = (BotUttered)EventRedaction.Redact(new BotUttered(message), Settings);

        Assert.Equal("卡号 [bank_card] 对吗？", bot.Message.Text);
        Assert.Equal("是 [bank_card]", bot.Message.Buttons![0].Title);
        Assert.Equal("""/affirm{"card":"[bank_card]"}""", bot.Message.Buttons[0].Payload);
        Assert.Same(message.Buttons![1], bot.Message.Buttons[1]);
        Assert.DoesNotContain("6222020200112233446", bot.Message.Custom!.Value.GetRawText());
        Assert.DoesNotContain("13812345678", bot.Message.Custom.Value.GetRawText());
    }

    [Fact]
    public void Reminder_entities_are_masked()
    {
        var at = DateTimeOffset.UtcNow;
        var reminder = new ReminderScheduled("call_back", at, [new EntitySpan(0, 0, "phone", "13812345678"), new EntitySpan(0, 0, "topic", "退款")], "r1");
        var stored = (ReminderScheduled)EventRedaction.Redact(reminder, Settings);
        Assert.Equal(["[phone]", "退款"], stored.Entities.Select(e => e.Value));
        Assert.Equal((reminder.Intent, reminder.Name, at), (stored.Intent, stored.Name, stored.TriggerAt));
        var cancel = (ReminderCancelled)EventRedaction.Redact(new ReminderCancelled(null, "call_back", [new EntitySpan(0, 0, "phone", "13812345678")]), Settings);
        Assert.Equal("[phone]", cancel.Entities.Single().Value);
        var plain = new ReminderScheduled("call_back", at, [new EntitySpan(0, 0, "topic", "退款")], "r2");
        Assert.Same(plain, EventRedaction.Redact(plain, Settings));
    }

    [Fact]
    public void Slot_values_are_masked_unless_the_slot_is_kept()
    {
        var text = (SlotSet)EventRedaction.Redact(new SlotSet("phone", Json("\"13812345678\"")), Settings);
        var number = (SlotSet)EventRedaction.Redact(new SlotSet("phone", Json("13812345678")), Settings);
        var list = (SlotSet)EventRedaction.Redact(new SlotSet("phones", Json("""["13812345678","x"]""")), Settings);
        var kept = new SlotSet("kept", Json("\"13812345678\""));

        Assert.Equal("[phone]", text.Value!.Value.GetString());
        Assert.Equal("[phone]", number.Value!.Value.GetString());
        Assert.Equal("""["[phone]","x"]""", list.Value!.Value.GetRawText());
        Assert.Same(kept, EventRedaction.Redact(kept, Settings));
    }

    [Fact]
    public void Events_without_personal_data_come_back_as_the_same_list()
    {
        IReadOnlyList<DialogueEvent> events = [new UserUttered("你好", null), new BotUttered(new BotMessage("您好")),
            new SlotSet("n", Json("3")), new ActionExecuted("action_listen")];
        Assert.Same(events, EventRedaction.Redact(events, Settings));
    }
}
