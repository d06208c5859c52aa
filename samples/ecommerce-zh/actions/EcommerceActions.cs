using Kefu.Samples.Ecommerce.Orders;
using Kefu.Samples.Ecommerce.Validation;
using Kefu.Sdk;

namespace Kefu.Samples.Ecommerce;

/// <summary>The sample's custom actions, sharing one order book: Kefu and `kefu run actions` create them through this provider.</summary>
public sealed class EcommerceActions : IActionProvider
{
    public IEnumerable<CustomAction> CreateActions(ActionSetup setup) => Create(setup.ProjectDirectory);

    /// <summary>Every action of the sample, reading the project at <paramref name="projectDirectory"/>.</summary>
    public static IReadOnlyList<CustomAction> Create(string projectDirectory)
    {
        var orders = new OrderBook(new EcommerceOptions(projectDirectory));
        return
        [
            new CheckOrderAction(orders), new SubmitReturnAction(), new ChangeAddressAction(orders),
            new ValidateOrderFormAction(orders), new ValidateReturnFormAction(orders), new ValidateAddressFormAction(orders),
            new SubmitExchangeAction(), new CheckReturnAction(orders),
            new ValidateExchangeFormAction(orders), new ValidateReturnProgressFormAction(orders),
        ];
    }
}
