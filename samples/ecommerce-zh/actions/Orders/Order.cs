namespace Kefu.Samples.Ecommerce.Orders;

/// <summary>One order of data/orders.json. Carrier and TrackingNumber are null, Tracking empty, until it ships.</summary>
public sealed record Order(
    string Id,
    string Status,
    string? Carrier,
    string? TrackingNumber,
    IReadOnlyList<OrderItem> Items,
    string Address,
    decimal Amount,
    string Created,
    IReadOnlyList<TrackingEntry> Tracking);

public sealed record OrderItem(string Name, int Quantity, decimal Price);

/// <summary>A logistics step; an order's Tracking list is newest first.</summary>
public sealed record TrackingEntry(string Time, string Description);

/// <summary>The values of the order_status slot (categorical in domain.yml).</summary>
public static class OrderStatus
{
    public const string Shipped = "已发货";
    public const string Pending = "待发货";
    public const string Delivered = "已签收";
    public const string Cancelled = "已取消";
}
