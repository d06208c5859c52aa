using System.Reflection;
using Kefu.Dialogue.Actions;
using Kefu.Dialogue.Responses;
using Kefu.Dialogue.Tracking;
using Kefu.Nlu;
using Kefu.Projects;
using Kefu.Samples.Ecommerce.Orders;

namespace Kefu.Samples.Ecommerce.Tests;

/// <summary>
/// The actions against the sample project itself (samples/ecommerce-zh of the repository holding Kefu.slnx):
/// the names they use exist in its domain.yml and every order of data/orders.json renders completely.
/// </summary>
public class SampleDomainTests
{
    [Fact]
    public void Every_declared_action_is_implemented_and_every_name_used_is_declared()
    {
        var dir = SampleDirectory();
        var domain = RasaProject.Load(dir).Domain;

        Assert.Equal(domain.Actions.Select(a => a.Name).Order(), EcommerceActions.Create(dir).Select(a => a.Name).Order());
        Assert.All(Constants(typeof(Slot)), name => Assert.True(domain.FindSlot(name) is not null, $"slot {name}"));
        Assert.All(Constants(typeof(Response)), name => Assert.True(domain.FindResponse(name) is not null, $"response {name}"));
        Assert.Equal(Slot.ReturnReasons, domain.FindSlot(Slot.ReturnReason)!.Values);
    }

    [Fact]
    public async Task Every_order_of_the_sample_renders_without_missing_values()
    {
        var dir = SampleDirectory();
        var domain = RasaProject.Load(dir).Domain;
        var check = new InProcessAction(EcommerceActions.Create(dir).Single(a => a.Name == "action_check_order"));
        var orders = new OrderBook(new EcommerceOptions(dir)).All;
        Assert.NotEmpty(orders);
        foreach (var order in orders)
        {
            var tracker = Tracker.Create("c1", [], [
                new UserUttered(order.Id, new NluParse(order.Id, new IntentPrediction("order_status", 1f), [], [])),
                new SlotSet(Slot.OrderId, System.Text.Json.JsonSerializer.SerializeToElement(order.Id))]);
            var events = await check.RunAsync(new ActionContext(tracker, domain, new ResponseRenderer(domain), "rest"), default);
            var text = Assert.Single(events.OfType<BotUttered>()).Message.Text!;
            Assert.Contains(order.Id, text);
            Assert.DoesNotContain("None", text);
        }
    }

    private static IEnumerable<string> Constants(Type type) =>
        type.GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral).Select(f => (string)f.GetRawConstantValue()!);

    /// <summary>samples/ecommerce-zh of the checkout these tests are built in; a test fails if it is missing.</summary>
    internal static string SampleDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Kefu.slnx")) && Path.Combine(dir.FullName, "samples", "ecommerce-zh") is var sample
                && File.Exists(Path.Combine(sample, "domain.yml")))
                return sample;
        throw new DirectoryNotFoundException($"samples/ecommerce-zh/domain.yml not found in any folder above {AppContext.BaseDirectory}");
    }
}
