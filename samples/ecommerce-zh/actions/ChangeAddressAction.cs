using Kefu.Dialogue.Actions;
using Kefu.Dialogue.Tracking;
using Kefu.Samples.Ecommerce.Orders;

namespace Kefu.Samples.Ecommerce;

/// <summary>
/// action_change_address: records new_address as the order's address when the order has not shipped yet;
/// otherwise says why it cannot (validate_address_form already filters; this guards against a stale file).
/// </summary>
public sealed class ChangeAddressAction(OrderBook orders) : IAction
{
    public string Name => "action_change_address";

    public Task<IReadOnlyList<DialogueEvent>> RunAsync(ActionContext context, CancellationToken ct)
    {
        var state = context.Tracker.State;
        var output = new ActionEvents(context);
        var order = state.SlotText(Slot.OrderId) is { } raw ? orders.Find(OrderId.Normalize(raw)) : null;
        switch (order?.Status)
        {
            case null:
                output.Utter(Response.OrderNotFound);
                break;
            case OrderStatus.Pending:
                output.Set(Slot.OrderAddress, state.SlotText(Slot.NewAddress)?.Trim()).Utter(Response.AddressChanged);
                break;
            case OrderStatus.Shipped:
                output.Set(Slot.Carrier, order.Carrier).Set(Slot.TrackingNumber, order.TrackingNumber).Utter(Response.AddressChangeShipped);
                break;
            case OrderStatus.Delivered:
                output.Utter(Response.AddressChangeDelivered);
                break;
            default:
                output.Utter(Response.AddressChangeCancelled);
                break;
        }
        output.Set(Slot.NewAddress, (string?)null);
        return Task.FromResult(output.Events);
    }
}
