using Kefu.Dialogue.Tracking;

namespace Kefu.Dialogue.Actions;

/// <summary>
/// action_handoff that asks first when the message that led to it was a low-confidence guess (console.yml's
/// confirm_handoff_below; docs/agents.md, docs/dialogue.md#handoff): "你们是京东还是淘宝" read as complaint at 0.43
/// must not hand the customer over by itself. It says utter_ask_handoff_confirm (else <see cref="BuiltInQuestion"/>, in English
/// when config.yml's language is not zh)
/// with 是 → "/{the guessed intent}" and 不是 → "/deny" buttons, and the bot keeps listening. 是 sends the intent back
/// at confidence 1, so the rule or story that led here runs this action again and it hands off; 不是 is the project's
/// deny, answered as its rules and stories say. At or above the threshold it is the built-in action_handoff.
/// </summary>
public sealed class ConfirmingHandoffAction(float below, bool english = false) : IAction
{
    public const string QuestionResponse = "utter_ask_handoff_confirm";
    public const string BuiltInQuestion = "您是要转人工客服吗？";
    public const string BuiltInQuestionEnglish = "Do you want to talk to a human agent?";
    public const string DenyPayload = "/deny";

    public string Name => ActionNames.Handoff;

    public float Below => below;

    public Task<IReadOnlyList<DialogueEvent>> RunAsync(ActionContext context, CancellationToken ct)
    {
        var intent = context.Tracker.State.LatestMessage?.Parse?.Intent;
        if (intent is not { Name.Length: > 0 } guess || guess.Confidence >= below)
            return Task.FromResult(BuiltInActions.Handoff(context));
        List<BotButton> buttons = english
            ? [new("Yes", "/" + guess.Name), new("No", DenyPayload)]
            : [new(TwoStageFallbackAction.YesTitle, "/" + guess.Name), new(TwoStageFallbackAction.NoTitle, DenyPayload)];
        var message = context.Responses.Render(QuestionResponse, context.Tracker, context.Channel) is { } m
            ? m.Buttons is { Count: > 0 } ? m : m with { Buttons = buttons }
            : new BotMessage(english ? BuiltInQuestionEnglish : BuiltInQuestion, Buttons: buttons);
        return Task.FromResult<IReadOnlyList<DialogueEvent>>([new BotUttered(message, QuestionResponse)]);
    }
}
