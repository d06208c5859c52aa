using Kefu.Dialogue.Actions;
using Kefu.Projects;
using static Kefu.Tests.Actions.TestDomain;

namespace Kefu.Tests.Actions;

public class DomainJsonTests
{
    [Fact]
    public void The_domain_has_Rasa_as_dict_shape()
    {
        var domain = With(new ResponseDefinition("utter_order_info", [
            new ResponseVariation("已发货", [new ResponseButton("查物流", "/logistics")], null, null, null, "rest",
                [new ResponseCondition("order_status", Json("\"已发货\""), Here)], null, Here)], Here)) with
        {
            Intents =
            [
                new IntentDefinition("greet", EntityUse.All, [], [], Here),
                new IntentDefinition("inform", EntityUse.Listed, ["order_id"], [], Here),
                new IntentDefinition("chitchat", EntityUse.None, [], [], Here),
            ],
            Entities = [new EntityDefinition("order_id", [], [], true, Here), new EntityDefinition("city", ["from", "to"], [], true, Here)],
            Slots =
            [
                new SlotDefinition("return_confirmed", SlotType.Bool, null, false, [], 0, 1,
                    [new FromIntentMapping(Json("true"), ["affirm"], [], [new MappingCondition("return_form", "return_confirmed", Here)], Here)], Here),
                new SlotDefinition("order_status", SlotType.Categorical, null, true, ["已发货", "待发货"], 0, 1,
                    [new CustomMapping("action_check_order", [], Here)], Here),
            ],
            Forms = [new FormDefinition("return_form", ["order_id", "return_confirmed"], ["chitchat"], Here)],
            Actions = [new ActionDefinition("validate_return_form", true, Here)],
        };

        var json = DomainJson.Build(domain);

        Assert.Equal("greet", json.GetProperty("intents")[0].GetString());
        Assert.Equal("order_id", json.GetProperty("intents")[1].GetProperty("inform").GetProperty("use_entities")[0].GetString());
        Assert.False(json.GetProperty("intents")[2].GetProperty("chitchat").GetProperty("use_entities").GetBoolean());
        Assert.Equal("order_id", json.GetProperty("entities")[0].GetString());
        Assert.Equal("to", json.GetProperty("entities")[1].GetProperty("city").GetProperty("roles")[1].GetString());
        var confirmed = json.GetProperty("slots").GetProperty("return_confirmed");
        Assert.Equal("bool", confirmed.GetProperty("type").GetString());
        var mapping = confirmed.GetProperty("mappings")[0];
        Assert.Equal("from_intent", mapping.GetProperty("type").GetString());
        Assert.True(mapping.GetProperty("value").GetBoolean());
        Assert.Equal("affirm", mapping.GetProperty("intent")[0].GetString());
        Assert.Equal("return_form", mapping.GetProperty("conditions")[0].GetProperty("active_loop").GetString());
        var status = json.GetProperty("slots").GetProperty("order_status");
        Assert.Equal("待发货", status.GetProperty("values")[1].GetString());
        Assert.Equal("action_check_order", status.GetProperty("mappings")[0].GetProperty("action").GetString());
        var variation = json.GetProperty("responses").GetProperty("utter_order_info")[0];
        Assert.Equal("/logistics", variation.GetProperty("buttons")[0].GetProperty("payload").GetString());
        Assert.Equal("order_status", variation.GetProperty("condition")[0].GetProperty("name").GetString());
        Assert.Equal("rest", variation.GetProperty("channel").GetString());
        Assert.Equal("return_confirmed", json.GetProperty("forms").GetProperty("return_form").GetProperty("required_slots")[1].GetString());
        Assert.Equal("validate_return_form", json.GetProperty("actions")[0].GetString());
        Assert.Equal(60, json.GetProperty("session_config").GetProperty("session_expiration_time").GetDouble());
    }
}
