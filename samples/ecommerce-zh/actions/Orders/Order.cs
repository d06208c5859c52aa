namespace Kefu.Samples.Ecommerce.Orders;

/// <summary>
/// One order of data/orders.json. Carrier and TrackingNumber are null, Tracking empty, until it ships; Return is the
/// return filed for it, absent when there is none.
/// </summary>
public sealed record Order(
    string Id,
    string Status,
    string? Carrier,
    string? TrackingNumber,
    IReadOnlyList<OrderItem> Items,
    string Address,
    decimal Amount,
    string Created,
    IReadOnlyList<TrackingEntry> Tracking,
    OrderReturn? Return = null);

public sealed record OrderItem(string Name, int Quantity, decimal Price);

/// <summary>A logistics step; an order's Tracking list is newest first.</summary>
public sealed record TrackingEntry(string Time, string Description);

/// <summary>A return of an order: its service number (RT + the order's digits), one of <see cref="ReturnStatus"/>, the latest step.</summary>
public sealed record OrderReturn(string Id, string Status, string Updated);

/// <summary>The values of the return_status slot (categorical in domain.yml).</summary>
public static class ReturnStatus
{
    public const string AwaitingPickup = "待取件";
    public const string AwaitingInspection = "待验收";
    public const string Refunding = "退款中";
    public const string Refunded = "已退款";
}

/// <summary>The values of the order_status slot (categorical in domain.yml).</summary>
public static class OrderStatus
{
    public const string Shipped = "已发货";
    public const string Pending = "待发货";
    public const string Delivered = "已签收";
    public const string Cancelled = "已取消";
}
