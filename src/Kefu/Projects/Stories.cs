using System.Text.Json;
using Kefu.Nlu;

namespace Kefu.Projects;

/// <summary>A story (data/stories.yml) or a test story (tests/test_*.yml): a sequence of turns.</summary>
public sealed record Story(string Name, IReadOnlyList<StoryStep> Steps, SourceLocation Location);

/// <summary>
/// A rule. Condition holds ActiveLoopStep / SlotWasSetStep that must be true before the rule applies;
/// ConversationStart: only at the start of a conversation; WaitForUserInput false: the rule does not
/// end with action_listen (Rasa's `wait_for_user_input: false`).
/// </summary>
public sealed record Rule(
    string Name,
    IReadOnlyList<StoryStep> Condition,
    IReadOnlyList<StoryStep> Steps,
    bool ConversationStart,
    bool WaitForUserInput,
    SourceLocation Location);

public abstract record StoryStep(SourceLocation Location);

/// <summary>
/// A user turn. Intent is null only for an end-to-end turn given by Text alone. Entities are the turn's
/// entities (from `entities:` or from the annotations in Text); Annotations keep their offsets in Text.
/// </summary>
public sealed record UserStep(
    string? Intent,
    IReadOnlyList<StepEntity> Entities,
    string? Text,
    IReadOnlyList<EntitySpan> Annotations,
    SourceLocation Location) : StoryStep(Location);

/// <summary>An entity in a user turn; Value null means "any value" (`entities: [order_id]`).</summary>
public sealed record StepEntity(string Entity, string? Value, string? Role, string? Group);

public sealed record ActionStep(string Action, SourceLocation Location) : StoryStep(Location);

/// <summary>An end-to-end bot turn (`- bot: text`), matched on its text instead of an action name.</summary>
public sealed record BotTextStep(string Text, SourceLocation Location) : StoryStep(Location);

/// <summary>`active_loop: form_name`, or Name null for `active_loop: null` (the loop ended).</summary>
public sealed record ActiveLoopStep(string? Name, SourceLocation Location) : StoryStep(Location);

/// <summary>
/// One slot of `slot_was_set`. Value null: `- slot_name` without a value, which Rasa reads as "set to
/// something"; a JSON null element: explicitly set to null.
/// </summary>
public sealed record SlotWasSetStep(string Slot, JsonElement? Value, SourceLocation Location) : StoryStep(Location);

public sealed record CheckpointStep(string Name, SourceLocation Location) : StoryStep(Location);

/// <summary>`- or:`: any one of the alternatives (user turns or slot_was_set steps) matches.</summary>
public sealed record OrStep(IReadOnlyList<StoryStep> Alternatives, SourceLocation Location) : StoryStep(Location);
